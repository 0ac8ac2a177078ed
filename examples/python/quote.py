#!/usr/bin/env python3
"""A first quote: asks a running fairquote for a quote of each product and prints it, then
sends 10,000 quotes over one QuoteStream, as an insurer's bulk job would.

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python quote.py [HOST:PORT]        (default 127.0.0.1:50051)

The stubs are generated from ../../proto with grpcio-tools on every run, so they always match
the contract. Exits non-zero if a quote is not what a healthy service answers.
"""
import base64
import datetime
import json
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
PROTO = HERE.parent.parent / "proto"
GENERATED = HERE / "generated"


def generate_stubs():
    from grpc_tools import protoc

    GENERATED.mkdir(exist_ok=True)
    status = protoc.main([
        "grpc_tools.protoc",
        f"-I{PROTO}",
        f"--python_out={GENERATED}",
        f"--grpc_python_out={GENERATED}",
        str(PROTO / "fairquote" / "v1" / "quote.proto"),
        str(PROTO / "fairquote" / "v1" / "audit.proto"),
    ])
    if status != 0:
        sys.exit("generating the stubs failed")
    sys.path.insert(0, str(GENERATED))


def eur(amount):
    return {"amount": amount, "currency": "EUR"}


def show(title, response, pb):
    decision = pb.Decision.Name(response.decision)
    print(f"== {title}: {decision} (quote {response.quote_id})")
    print(f"   model version {response.model_version[:16]}..., valid until {response.valid_until}")
    for reason in response.reasons:
        print(f"   reason {reason.code}: {reason.message}")
    if response.HasField("premium"):
        p = response.premium
        for name in ["risk_premium", "fixed_expense", "commission_loading", "other_expense_loading",
                     "profit_loading", "office_premium", "policy_fee", "insurance_premium_tax", "total"]:
            print(f"   {name:<24}{getattr(p, name).amount:>12} EUR")
        if p.HasField("instalments"):
            i = p.instalments
            print(f"   {i.count} instalments of {i.regular_amount.amount} EUR, the last {i.final_amount.amount} EUR")
    print("   worksheet:")
    for step in response.worksheet.steps:
        op = pb.WorksheetOperation.Name(step.operation).removeprefix("WORKSHEET_OPERATION_")
        source = f" [{step.table}: {step.row_key}]" if step.table else ""
        print(f"     {op:<13}{step.value:>14}  -> {step.running_amount:<30} {step.description}{source}")
    return decision


def main():
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"
    generate_stubs()
    import grpc
    from fairquote.v1 import quote_pb2 as pb
    from fairquote.v1 import quote_pb2_grpc as rpc

    today = datetime.date.today().isoformat()
    with grpc.insecure_channel(address) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        client = rpc.QuoteServiceStub(channel)
        liability = pb.QuoteRequest(
            rating_date=today,
            transaction_type=pb.TRANSACTION_TYPE_NEW_BUSINESS,
            payment_frequency=pb.PAYMENT_FREQUENCY_MONTHLY,
            liability=pb.LiabilityApplication(
                occupation="escort_companion",
                work_setting=pb.WORK_SETTING_CLIENT_PREMISES,
                annual_turnover=eur("60000"),
                limit_of_indemnity=eur("1000000"),
                deductible=eur("250"),
                claims_last_5_years=0,
                years_of_activity=6,
                risk_management_measures=[
                    pb.RISK_MANAGEMENT_MEASURE_SAFETY_TRAINING,
                    pb.RISK_MANAGEMENT_MEASURE_SCREENING_PROTOCOL,
                ],
            ),
        )
        income_protection = pb.QuoteRequest(
            rating_date=today,
            transaction_type=pb.TRANSACTION_TYPE_NEW_BUSINESS,
            income_protection=pb.IncomeProtectionApplication(
                age=35,
                occupation="erotic_tantric_massage",
                employment_status=pb.EMPLOYMENT_STATUS_SELF_EMPLOYED,
                average_monthly_income=eur("5000"),
                monthly_benefit=eur("1500"),
                deferred_period_days=30,
                benefit_period=pb.BENEFIT_PERIOD_FIVE_YEARS,
                smoker=False,
                # Optional: it sets only the statutory benefit the cap counts, never the price.
                family_situation=pb.FAMILY_SITUATION_SINGLE,
            ),
        )
        catalogue = client.DescribeProducts(pb.DescribeProductsRequest(rating_date=today), timeout=10)
        limits = ", ".join(l.amount for l in catalogue.liability.limits_of_indemnity)
        print(f"== The catalogue on {catalogue.rating_date}: "
              f"{len(catalogue.liability.occupations)} liability occupations, limits {limits}")
        if "escort_companion" not in {o.code for o in catalogue.liability.occupations}:
            sys.exit("the catalogue lacks escort_companion")
        decisions = [
            show("Professional & general liability", client.Quote(liability, timeout=10), pb),
            show("Income protection", client.Quote(income_protection, timeout=10), pb),
        ]
        # The same liability quote in French (as a Walloon or Brussels insurer shows it): the same
        # figures, French sentences, and a referral's figures as data.
        french = pb.QuoteRequest()
        french.CopyFrom(liability)
        french.liability.claims_last_5_years = 3
        english_total = client.Quote(french, timeout=10).premium.total.amount
        french.language = "fr-BE"
        answer = client.Quote(french, timeout=10)
        show("Responsabilité civile professionnelle (fr-BE)", answer, pb)
        if answer.premium.total.amount != english_total:
            sys.exit("the language changed the premium")
        claims = [r for r in answer.reasons if r.code == "CLAIMS_HISTORY"]
        if not claims or claims[0].parameters["claims"] != "3" or "sinistres" not in claims[0].message:
            sys.exit(f"the French referral is {list(answer.reasons)}")
        # A bad request gets INVALID_ARGUMENT with a google.rpc.BadRequest naming each field.
        try:
            client.Quote(pb.QuoteRequest(rating_date="2026-12-1", language="es"), timeout=10)
            sys.exit("a bad request was priced")
        except grpc.RpcError as error:
            from grpc_status import rpc_status
            from google.rpc import error_details_pb2

            print(f"== A bad request: {error.code().name}")
            if error.code() != grpc.StatusCode.INVALID_ARGUMENT:
                sys.exit("a bad request was not INVALID_ARGUMENT")
            status = rpc_status.from_call(error)
            fields = []
            for detail in status.details if status else []:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad_request = error_details_pb2.BadRequest()
                    detail.Unpack(bad_request)
                    for v in bad_request.field_violations:
                        print(f"   {v.field}: {v.description}")
                        fields.append(v.field)
            if sorted(fields) != ["language", "product", "rating_date", "transaction_type"]:
                sys.exit(f"the violations named {fields}")
        # A receipt: the log's signed checkpoint and the proof that the first quote is in it,
        # for anyone to check with verify_receipt.py (no fairquote code).
        from fairquote.v1 import audit_pb2
        from fairquote.v1 import audit_pb2_grpc

        audit = audit_pb2_grpc.AuditServiceStub(channel)
        first = client.Quote(liability, timeout=10)
        signed = audit.GetCheckpoint(audit_pb2.GetCheckpointRequest(), timeout=10)
        proof = audit.ProveInclusion(
            audit_pb2.ProveInclusionRequest(quote_id=first.quote_id, tree_size=signed.tree_size), timeout=10)
        receipt = {
            "quote_id": first.quote_id,
            "note": signed.note,
            "verifier_key": signed.verifier_key,
            "position": proof.position,
            "tree_size": proof.tree_size,
            "record": base64.b64encode(proof.record).decode(),
            "hashes": [base64.b64encode(h).decode() for h in proof.hashes],
        }
        path = pathlib.Path(os.environ.get("FAIRQUOTE_RECEIPT", HERE / "receipt.json"))
        path.write_text(json.dumps(receipt, indent=2))
        print(f"== The log's checkpoint covers {signed.tree_size} records; a receipt for quote "
              f"{first.quote_id} (record {proof.position + 1}) is in {path}")
        # Bulk work: many quotes over one stream, each answered under its own id.
        count = 10_000
        started = time.monotonic()
        requests = (pb.QuoteStreamRequest(request_id=str(i), request=liability) for i in range(count))
        answered = {}
        for answer in client.QuoteStream(requests, timeout=600):
            answered[answer.request_id] = answer.WhichOneof("outcome")
        seconds = time.monotonic() - started
        print(f"== {len(answered)} of {count} quotes answered over one QuoteStream in {seconds:.1f} s")
        if len(answered) != count or set(answered.values()) != {"quote"}:
            sys.exit("the stream did not answer every request with a quote")
    if decisions != ["DECISION_ACCEPT", "DECISION_ACCEPT"]:
        sys.exit(f"expected two accepts, got {decisions}")


if __name__ == "__main__":
    main()
