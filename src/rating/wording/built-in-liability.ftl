# The wording of liability quotes priced by versions that carry no message catalogue of their
# own (published before catalogues were kept in versions). Frozen: quotes logged under those
# versions replay to these very sentences. Never edit this file; a new wording is a new
# catalogue in a new model version.

reason-CLAIMS_BEYOND_RATING_TABLE = { $claims } claims in the last 5 years is more than the experience table rates
reason-CLAIMS_HISTORY = { $claims } claims in the last 5 years: an underwriter reviews the claims history
reason-LARGE_TURNOVER = annual turnover above { $threshold } EUR is reviewed by an underwriter
reason-NOT_RATED = the model has no base rate for class { $class } working at { $work_setting }

step-exposure = annual turnover { $turnover } EUR in thousands of euros
step-base_rate = times the base rate per 1,000 EUR of turnover for { $occupation } (class { $class })
step-increased_limit_factor = times the increased-limit factor
step-deductible_factor = times the deductible factor
step-experience_factor = times the experience factor for { $claims } claims in 5 years
step-risk_management_credit = times 1 − risk-management credits { $credits } (capped at { $cap })
step-minimum_premium = at least the minimum risk premium
step-risk_premium = risk premium, rounded half-even to the cent
step-fixed_expense = plus the fixed expense per policy
step-loadings = divided by 1 − commission { $commission } − other expenses { $other_expenses } − profit { $profit }
step-office_premium = office premium, rounded half-even to the cent
step-policy_fee = plus the policy fee
step-insurance_premium_tax = plus the insurance premium tax on office premium and fee, rounded half-even to the cent

work-setting-own_premises = Own premises
work-setting-client_premises = Client's premises
work-setting-venue = Venue
work-setting-online_only = Online only
risk-measure-safety_training = Safety training
risk-measure-screening_protocol = Client screening protocol
risk-measure-hygiene_protocol = Hygiene protocol
risk-measure-panic_button_or_reference_person = Panic button or reference person
risk-measure-peer_network = Peer network
