#!/usr/bin/env node
// A Node.js client of fairquote, written with nothing but the proto: @grpc/grpc-js and
// @grpc/proto-loader load ../../proto at run time. It asks for a quote of each product, then
// sends a bad request and decodes the google.rpc.BadRequest that names the bad fields.
//
//     npm ci && node quote.js [HOST:PORT]        (default 127.0.0.1:50051)
//
// Exits non-zero if an answer is not what a healthy service gives.
"use strict";

const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const protobuf = require("protobufjs");

const address = process.argv[2] || "127.0.0.1:50051";
const protoDir = path.join(__dirname, "..", "..", "proto");

const definition = protoLoader.loadSync("fairquote/v1/quote.proto", {
  includeDirs: [protoDir],
  keepCase: true,
  enums: String,
  longs: String,
  defaults: true,
  oneofs: true,
});
const fairquote = grpc.loadPackageDefinition(definition).fairquote.v1;
const client = new fairquote.QuoteService(address, grpc.credentials.createInsecure());

// google.rpc.Status and BadRequest: the error details fairquote sends in grpc-status-details-bin.
const rpc = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: { Any: { fields: { type_url: { type: "string", id: 1 }, value: { type: "bytes", id: 2 } } } },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: "int32", id: 1 },
                message: { type: "string", id: 2 },
                details: { rule: "repeated", type: "google.protobuf.Any", id: 3 },
              },
            },
            BadRequest: {
              fields: { field_violations: { rule: "repeated", type: "FieldViolation", id: 1 } },
              nested: {
                FieldViolation: {
                  fields: { field: { type: "string", id: 1 }, description: { type: "string", id: 2 } },
                },
              },
            },
          },
        },
      },
    },
  },
});
const RpcStatus = rpc.lookupType("google.rpc.Status");
const BadRequest = rpc.lookupType("google.rpc.BadRequest");

const quote = (request) =>
  new Promise((resolve, reject) =>
    client.quote(request, { deadline: Date.now() + 10_000 }, (error, answer) =>
      error ? reject(error) : resolve(answer),
    ),
  );

const eur = (amount) => ({ amount, currency: "EUR" });
const today = new Date().toISOString().slice(0, 10);

function show(title, answer) {
  console.log(`== ${title}: ${answer.decision} (quote ${answer.quote_id})`);
  for (const reason of answer.reasons) console.log(`   reason ${reason.code}: ${reason.message}`);
  if (answer.premium) console.log(`   total ${answer.premium.total.amount} EUR`);
  console.log(`   ${answer.worksheet.steps.length} worksheet steps, model ${answer.model_version.slice(0, 16)}...`);
  return answer.decision;
}

function fail(message) {
  console.error(`node client: ${message}`);
  process.exit(1);
}

const describe = (request) =>
  new Promise((resolve, reject) =>
    client.describeProducts(request, { deadline: Date.now() + 10_000 }, (error, answer) =>
      error ? reject(error) : resolve(answer),
    ),
  );

async function main() {
  // The catalogue first: what the versions in force offer, to build the forms from.
  const catalogue = await describe({ rating_date: today });
  const offered = catalogue.liability;
  console.log(`== The catalogue on ${catalogue.rating_date}: liability model ${offered.model.id.slice(0, 16)}...`);
  console.log(`   ${offered.occupations.length} occupations, limits ${offered.limits_of_indemnity.map((l) => l.amount).join(", ")}`);
  console.log(`   income protection: deferred periods ${catalogue.income_protection.deferred_period_days.join(", ")} days`);
  if (!offered.occupations.some((o) => o.code === "escort_companion")) fail("the catalogue lacks escort_companion");
  const decisions = [
    show(
      "Professional & general liability",
      await quote({
        rating_date: today,
        transaction_type: "TRANSACTION_TYPE_NEW_BUSINESS",
        payment_frequency: "PAYMENT_FREQUENCY_ANNUAL",
        liability: {
          occupation: "escort_companion",
          work_setting: "WORK_SETTING_CLIENT_PREMISES",
          annual_turnover: eur("60000"),
          limit_of_indemnity: eur("1000000"),
          deductible: eur("250"),
          years_of_activity: 6,
          risk_management_measures: ["RISK_MANAGEMENT_MEASURE_SAFETY_TRAINING"],
        },
      }),
    ),
    show(
      "Income protection",
      await quote({
        rating_date: today,
        transaction_type: "TRANSACTION_TYPE_NEW_BUSINESS",
        income_protection: {
          age: 35,
          occupation: "erotic_dance_striptease",
          employment_status: "EMPLOYMENT_STATUS_SELF_EMPLOYED",
          average_monthly_income: eur("5000"),
          monthly_benefit: eur("1500"),
          deferred_period_days: 30,
          benefit_period: "BENEFIT_PERIOD_FIVE_YEARS",
          // Optional: it sets only the statutory benefit the cap counts, never the price.
          family_situation: "FAMILY_SITUATION_COHABITING",
        },
      }),
    ),
  ];
  if (decisions.some((d) => d !== "DECISION_ACCEPT")) fail(`expected two accepts, got ${decisions}`);

  // The same liability quote in French, as a Walloon or Brussels insurer shows it: the same
  // figures, French sentences, and a referral's figures as data.
  const french = {
    rating_date: today,
    transaction_type: "TRANSACTION_TYPE_NEW_BUSINESS",
    language: "fr-BE",
    liability: {
      occupation: "escort_companion",
      work_setting: "WORK_SETTING_CLIENT_PREMISES",
      annual_turnover: eur("60000"),
      limit_of_indemnity: eur("1000000"),
      deductible: eur("250"),
      claims_last_5_years: 3,
      years_of_activity: 6,
    },
  };
  const enGros = await quote({ ...french, language: "" });
  const enFrancais = await quote(french);
  show("Responsabilité civile professionnelle (fr-BE)", enFrancais);
  for (const step of enFrancais.worksheet.steps) console.log(`     ${step.description}`);
  if (enFrancais.premium.total.amount !== enGros.premium.total.amount) fail("the language changed the premium");
  const claims = enFrancais.reasons.find((r) => r.code === "CLAIMS_HISTORY");
  if (!claims || claims.parameters.claims !== "3" || !claims.message.includes("sinistres"))
    fail(`the French referral is ${JSON.stringify(enFrancais.reasons)}`);
  const catalogueFr = await describe({ rating_date: today, language: "fr" });
  console.log(`   ${catalogueFr.liability.occupations.map((o) => o.label).join(", ")}`);

  // A careless request: a signed turnover and a date without its leading zero.
  try {
    await quote({
      rating_date: "2026-12-1",
      transaction_type: "TRANSACTION_TYPE_NEW_BUSINESS",
      liability: {
        occupation: "escort_companion",
        work_setting: "WORK_SETTING_CLIENT_PREMISES",
        annual_turnover: eur("-60000"),
        limit_of_indemnity: eur("1000000"),
        deductible: eur("250"),
      },
    });
    fail("a bad request was priced");
  } catch (error) {
    if (error.code !== grpc.status.INVALID_ARGUMENT) fail(`a bad request was ${error.code}: ${error.details}`);
    const details = error.metadata.get("grpc-status-details-bin")[0];
    if (!details) fail("the refusal has no details");
    const status = RpcStatus.decode(details);
    const violations = status.details
      .filter((any) => any.type_url.endsWith("google.rpc.BadRequest"))
      .flatMap((any) => BadRequest.decode(any.value).field_violations);
    console.log(`== A bad request: INVALID_ARGUMENT`);
    for (const v of violations) console.log(`   ${v.field}: ${v.description}`);
    const fields = violations.map((v) => v.field).sort();
    if (fields.join() !== "liability.annual_turnover,rating_date") fail(`the violations named ${fields}`);
  }
  client.close();
}

main().catch((error) => fail(error.stack || String(error)));
