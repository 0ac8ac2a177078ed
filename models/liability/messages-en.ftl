# English wording of the liability quotes and catalogue of this model version.
# Sentences say what happened to the running amount; figures come in as variables.

## Reasons and worksheet steps

reason-CLAIMS_BEYOND_RATING_TABLE = { $claims } claims in the last 5 years: more than the experience table rates
reason-CLAIMS_HISTORY = { $claims ->
        [one] 1 claim
       *[other] { $claims } claims
    } in the last 5 years: an underwriter reviews the claims history
reason-LARGE_TURNOVER = an annual turnover above { $threshold } EUR is reviewed by an underwriter
reason-NOT_RATED = the model has no base rate for class { $class } working at { $work_setting }
step-exposure = annual turnover of { $turnover } EUR, in thousands of euros
step-base_rate = times the base rate per 1,000 EUR of turnover for { $occupation } (class { $class })
step-increased_limit_factor = times the factor of the limit of indemnity
step-deductible_factor = times the factor of the deductible
step-experience_factor = times the experience factor for { $claims ->
        [one] 1 claim
       *[other] { $claims } claims
    } in the last 5 years
step-risk_management_credit = times 1 − the risk-management credits { $credits } (at most { $cap })
step-minimum_premium = at least the minimum risk premium
step-risk_premium = risk premium, rounded half-even to the cent
step-fixed_expense = plus the fixed expense per policy
step-loadings = divided by 1 − commission { $commission } − other expenses { $other_expenses } − profit { $profit }
step-office_premium = office premium, rounded half-even to the cent
step-policy_fee = plus the policy fee
step-insurance_premium_tax = plus the insurance premium tax on office premium and fee, rounded half-even to the cent

## Labels of the catalogue

work-setting-own_premises = Own premises
work-setting-client_premises = At the client's
work-setting-venue = In a venue
work-setting-online_only = Online only
risk-measure-safety_training = Safety training
risk-measure-screening_protocol = Client screening protocol
risk-measure-hygiene_protocol = Hygiene protocol
risk-measure-panic_button_or_reference_person = Panic button or reference person
risk-measure-peer_network = Peer network
occupation-office_worker = Office worker
occupation-beautician = Beautician
occupation-massage_therapist = Massage therapist
occupation-physiotherapist = Physiotherapist
occupation-personal_care_worker = Personal-care worker
occupation-nurse = Nurse
occupation-dancer_performer = Dancer / performer
occupation-personal_trainer = Personal trainer
occupation-escort_companion = Escort / companion
occupation-erotic_tantric_massage = Erotic or tantric massage
occupation-bdsm_fetish_work = BDSM / fetish work
occupation-erotic_dance_striptease = Erotic dance and striptease
occupation-webcam_online_content = Webcam and online content
occupation-window_venue_work = Window and venue work
