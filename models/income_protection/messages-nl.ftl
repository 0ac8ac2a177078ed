# Nederlandse formulering van de offertes en de catalogus (income protection) van deze modelversie.

## Reasons and worksheet steps

reason-AGE_OUTSIDE_ELIGIBILITY = de dekking begint tussen { $min_age } en { $max_age } jaar; de aanvrager is { $age } jaar
reason-BENEFIT_ABOVE_INCOME_CAP = de maandelijkse uitkering van { $benefit } EUR is meer dan { $percent } % van het gemiddelde maandinkomen (ten hoogste { $cap } EUR)
reason-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = de eerste { $days } dagen van een werknemer betaalt de werkgever als gewaarborgd loon; kies een wachttijd van ten minste { $days } dagen
reason-LARGE_BENEFIT = een maandelijkse uitkering boven { $threshold } EUR wordt door een acceptant beoordeeld
reason-CLAIMS_HISTORY = { $claims ->
        [one] 1 schadegeval wegens arbeidsongeschiktheid
       *[other] { $claims } schadegevallen wegens arbeidsongeschiktheid
    } in de laatste 5 jaar: een acceptant beoordeelt ze
reason-NOT_RATED = het model heeft geen tarief voor de leeftijd van { $age } jaar in klasse { $class }
step-benefit_units = maandelijkse uitkering van { $benefit } EUR, in honderden euro
step-base_rate = maal het jaarlijkse basistarief per 100 EUR maandelijkse uitkering op de leeftijd van { $age } jaar
step-occupation_class_factor = maal de factor van beroepsklasse { $class } ({ $occupation })
step-smoker_factor = maal de rokersfactor
step-minimum_premium = ten minste de minimale risicopremie
step-risk_premium = risicopremie, afgerond op de cent (een halve cent naar het even getal)
step-fixed_expense = plus de vaste kosten per polis
step-loadings = gedeeld door 1 − commissie { $commission } − overige kosten { $other_expenses } − winst { $profit }
step-office_premium = commerciële premie, afgerond op de cent (een halve cent naar het even getal)
step-policy_fee = plus de poliskosten
step-insurance_premium_tax = plus de taks op de verzekeringscontracten over de commerciële premie en de poliskosten, afgerond op de cent (een halve cent naar het even getal)

## Labels of the catalogue

benefit-period-2_years = 2 jaar
benefit-period-5_years = 5 jaar
benefit-period-to_age_65 = Tot 65 jaar
occupation-office_worker = Kantoormedewerker
occupation-beautician = Schoonheidsspecialist
occupation-massage_therapist = Massagetherapeut
occupation-physiotherapist = Kinesitherapeut
occupation-personal_care_worker = Zorgkundige
occupation-nurse = Verpleegkundige
occupation-dancer_performer = Danser / artiest
occupation-personal_trainer = Personal trainer
occupation-escort_companion = Escort / gezelschap
occupation-erotic_tantric_massage = Erotische of tantramassage
occupation-bdsm_fetish_work = BDSM / fetisjwerk
occupation-erotic_dance_striptease = Erotische dans en striptease
occupation-webcam_online_content = Webcam en online content
occupation-window_venue_work = Raamwerk en werk in een zaak
