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
reason-BENEFIT_ABOVE_COMBINED_CAP = de maandelijkse uitkering van { $benefit } EUR en de wettelijke uitkering van { $statutory } EUR samen zijn meer dan { $percent } % van het gemiddelde maandinkomen (ten hoogste { $cap } EUR): een maandelijkse uitkering van ten hoogste { $room } EUR kan verzekerd worden
reason-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = de wettelijke uitkering van { $statutory } EUR per maand alleen is al meer dan { $percent } % van het gemiddelde maandinkomen ({ $cap } EUR): er blijft geen inkomen te verzekeren
reason-STATUTORY_BENEFIT_UNKNOWN = het model heeft geen wettelijke uitkering die op { $date } van kracht is
reason-FAMILY_SITUATION_ASSUMED = de gezinssituatie werd niet opgegeven: de grens gaat uit van { $family }, de situatie met de hoogste wettelijke uitkering ({ $statutory } EUR per maand); de premie hangt er niet van af
step-statutory_benefit = de wettelijke uitkering van { $statutory } EUR per maand ({ $family }), geen term van de premie: de maandelijkse uitkering plus deze is ten hoogste { $percent } % van het inkomen ({ $cap } EUR)
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
family-situation-with_dependants = met gezinslast
family-situation-single = alleenstaande
family-situation-cohabiting = samenwonende
deferred-statutory-self_employed = { $days } dagen: de wettelijke uitkering van een zelfstandige wordt betaald vanaf de eerste dag van een arbeidsongeschiktheid die langer dan { $qualifying } dagen duurt; deze dekking betaalt na de eerste { $days } dagen, bovenop die uitkering
deferred-statutory-employee = { $days } dagen: de eerste { $qualifying } dagen van een werknemer betaalt de werkgever als gewaarborgd loon, daarna betaalt het ziekenfonds zijn uitkering; deze dekking betaalt na de eerste { $days } dagen, bovenop die uitkering
