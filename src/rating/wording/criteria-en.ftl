# The published segmentation criteria (law of 4 April 2014 on insurance), in English: the
# sentences `fairquote model criteria` and the product catalogue write around the facts of a
# model version. A version's own catalogue (messages-en.ftl) may word any of them itself.

criteria-title = Segmentation criteria: { $product }
criteria-product-liability = professional and general liability
criteria-product-income_protection = income protection
criteria-version = Model version { $version } ({ $label }), in force from { $effective_from }. This text is generated from that version and changes whenever the version does.
criteria-law = Under the law of 4 April 2014 on insurance, an insurer states the criteria by which it segments acceptance and price, with their justification, and explains a refusal.
criteria-heading-price = Criteria of price
criteria-heading-acceptance = Criteria of acceptance
criteria-heading-refusal = Refusal and referral
criteria-refusal = A quote that is declined or referred states every reason that applies, and each reason names the criterion of this text it applies.
criteria-table = table { $table }
criteria-justification = Justification { $id }, approved by { $approver }, to be reviewed by { $review_date }: { $aim }. Evidence: { $evidence }
criteria-recorded-language = The justifications are quoted as the actuary recorded them.
criteria-protected = { $criterion } is a criterion of the anti-discrimination acts of 10 May 2007: it is used only with the objective justification given.
criteria-no-justification = This table has no justification record.

criterion-occupation = Occupation
criterion-work_setting = Work setting
criterion-limit_of_indemnity = Limit of indemnity
criterion-deductible = Deductible
criterion-claims_history = Claims in the last 5 years
criterion-risk_management = Risk-management measures
criterion-turnover = Annual turnover
criterion-age = Age
criterion-deferred_period = Deferred period
criterion-benefit_period = Benefit period
criterion-benefit = Monthly benefit
criterion-income = Average monthly income
criterion-smoking = Smoking
criterion-employment_status = Employment status
criterion-charges = Charges and tax
criterion-statutory_benefit = Statutory incapacity benefit and family situation

protected-age = Age
protected-health = State of health
protected-wealth = Wealth
protected-disability = Disability
protected-civil_status = Civil status

criteria-price-liability-base_rates = The base rate per 1,000 EUR of annual turnover depends on the occupation's class and the work setting.
criteria-price-liability-increased_limit_factors = A higher limit of indemnity costs more, by a factor per limit.
criteria-price-liability-deductible_factors = A higher deductible costs less, by a factor per deductible.
criteria-price-liability-experience_factors = The price depends on the number of claims in the last 5 years, by a factor per band.
criteria-price-liability-risk_management_credits = Each risk-management measure taken lowers the price by a credit, up to a cap.
criteria-price-liability-occupations = Each occupation is placed in a class; an intimacy profession is placed in its comparator's class unless its own claims experience, recorded and justified, says otherwise.
criteria-price-liability-parameters = Every policy bears the same charges, minimum premium, policy fee and insurance premium tax.
criteria-price-income_protection-base_rates = The base rate per 100 EUR of monthly benefit depends on age, the deferred period and the benefit period.
criteria-price-income_protection-occupation_class_factors = The occupation's class sets a factor.
criteria-price-income_protection-smoker_factors = Smokers and non-smokers have their own factor.
criteria-price-income_protection-occupations = Each occupation is placed in a class; an intimacy profession is placed in its comparator's class unless its own claims experience, recorded and justified, says otherwise.
criteria-price-income_protection-parameters = Every policy bears the same charges, minimum premium, policy fee and insurance premium tax.
criteria-acceptance-income_protection-statutory_benefits = The statutory incapacity benefit a month, by employment status and family situation, with its period of validity and its source; it sets only how much of the income is left to insure under the cap.

rule-AGE_OUTSIDE_ELIGIBILITY = Cover starts between ages { $min_age } and { $max_age }; outside them, a quote is declined.
rule-BENEFIT_ABOVE_INCOME_CAP = The monthly benefit is at most { $percent } % of the average monthly income; above it, a quote is declined.
rule-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = An employee's deferred period is at least { $days } days, the employer's guaranteed salary covering the first; a shorter one is declined.
rule-LARGE_BENEFIT = A monthly benefit above { $threshold } EUR is referred to an underwriter.
rule-CLAIMS_HISTORY = From { $claims } claims in the last 5 years, a quote is referred to an underwriter.
rule-CLAIMS_BEYOND_RATING_TABLE = More than { $claims } claims in the last 5 years, beyond what the claims table rates: a quote is declined.
rule-LARGE_TURNOVER = An annual turnover above { $threshold } EUR is referred to an underwriter.
rule-NOT_RATED = A combination the tables give no rate for is declined.
rule-BENEFIT_ABOVE_COMBINED_CAP = The monthly benefit plus the statutory incapacity benefit (INASTI or the mutual insurer's, by employment status and family situation, from the version's table statutory_benefits.csv) is at most { $percent } % of the average monthly income; above it, a quote is declined. Family situation, a criterion of the act of 10 May 2007, enters only this cap and never the price.
rule-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = When the statutory benefit alone is more than { $percent } % of the average monthly income, there is nothing left to insure and a quote is declined.
rule-FAMILY_SITUATION_ASSUMED = Giving the family situation is optional; without it, the cap assumes the situation with the highest statutory benefit, and the quote says so.
