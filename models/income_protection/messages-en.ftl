# English wording of the income protection quotes and catalogue of this model version.
# Sentences say what happened to the running amount; figures come in as variables.

## Reasons and worksheet steps

reason-AGE_OUTSIDE_ELIGIBILITY = cover starts between ages { $min_age } and { $max_age }; the applicant is { $age }
reason-BENEFIT_ABOVE_INCOME_CAP = the monthly benefit of { $benefit } EUR is more than { $percent } % of the average monthly income ({ $cap } EUR at most)
reason-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = an employee's first { $days } days are paid by the employer's guaranteed salary; choose a deferred period of at least { $days } days
reason-LARGE_BENEFIT = a monthly benefit above { $threshold } EUR is reviewed by an underwriter
reason-CLAIMS_HISTORY = { $claims ->
        [one] 1 incapacity claim
       *[other] { $claims } incapacity claims
    } in the last 5 years: an underwriter reviews them
reason-NOT_RATED = the model has no rate for age { $age } in class { $class }
reason-BENEFIT_ABOVE_COMBINED_CAP = the monthly benefit of { $benefit } EUR and the statutory benefit of { $statutory } EUR together are more than { $percent } % of the average monthly income ({ $cap } EUR at most): a monthly benefit of at most { $room } EUR can be insured
reason-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = the statutory benefit of { $statutory } EUR a month alone is more than { $percent } % of the average monthly income ({ $cap } EUR): no income is left to insure
reason-STATUTORY_BENEFIT_UNKNOWN = the model has no statutory benefit in force on { $date }
reason-FAMILY_SITUATION_ASSUMED = the family situation was not given: the cap assumes { $family }, the situation with the highest statutory benefit ({ $statutory } EUR a month); the premium does not depend on it
step-statutory_benefit = the statutory benefit of { $statutory } EUR a month ({ $family }), not a term of the premium: the monthly benefit plus it is at most { $percent } % of income ({ $cap } EUR)
step-benefit_units = monthly benefit of { $benefit } EUR, in hundreds of euros
step-base_rate = times the annual base rate per 100 EUR of monthly benefit at age { $age }
step-occupation_class_factor = times the factor of occupation class { $class } ({ $occupation })
step-smoker_factor = times the smoker factor
step-minimum_premium = at least the minimum risk premium
step-risk_premium = risk premium, rounded half-even to the cent
step-fixed_expense = plus the fixed expense per policy
step-loadings = divided by 1 − commission { $commission } − other expenses { $other_expenses } − profit { $profit }
step-office_premium = office premium, rounded half-even to the cent
step-policy_fee = plus the policy fee
step-insurance_premium_tax = plus the insurance premium tax on office premium and fee, rounded half-even to the cent

## Labels of the catalogue

benefit-period-2_years = 2 years
benefit-period-5_years = 5 years
benefit-period-to_age_65 = To age 65
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
family-situation-with_dependants = with dependants
family-situation-single = single
family-situation-cohabiting = cohabiting
deferred-statutory-self_employed = { $days } days: the statutory benefit of the self-employed is paid from the first day of an incapacity that lasts more than { $qualifying } days; this cover pays after the first { $days } days, on top of it
deferred-statutory-employee = { $days } days: an employee's first { $qualifying } days are paid by the employer's guaranteed salary, then the mutual insurer pays its benefit; this cover pays after the first { $days } days, on top of it
