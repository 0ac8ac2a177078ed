# Deutsche Formulierung der Angebote und des Katalogs (income protection) dieser Modellversion.

## Reasons and worksheet steps

reason-AGE_OUTSIDE_ELIGIBILITY = der Versicherungsschutz beginnt im Alter von { $min_age } bis { $max_age } Jahren; die antragstellende Person ist { $age } Jahre alt
reason-BENEFIT_ABOVE_INCOME_CAP = die monatliche Leistung von { $benefit } EUR übersteigt { $percent } % des durchschnittlichen Monatseinkommens (höchstens { $cap } EUR)
reason-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = die ersten { $days } Tage eines Arbeitnehmers zahlt der Arbeitgeber als garantierten Lohn; wählen Sie eine Karenzzeit von mindestens { $days } Tagen
reason-LARGE_BENEFIT = eine monatliche Leistung über { $threshold } EUR wird von einem Risikoprüfer geprüft
reason-CLAIMS_HISTORY = { $claims ->
        [one] 1 Leistungsfall wegen Arbeitsunfähigkeit
       *[other] { $claims } Leistungsfälle wegen Arbeitsunfähigkeit
    } in den letzten 5 Jahren: ein Risikoprüfer prüft sie
reason-NOT_RATED = das Modell hat keinen Tarif für das Alter von { $age } Jahren in der Klasse { $class }
reason-BENEFIT_ABOVE_COMBINED_CAP = die monatliche Leistung von { $benefit } EUR und das gesetzliche Krankengeld von { $statutory } EUR sind zusammen mehr als { $percent } % des durchschnittlichen Monatseinkommens (höchstens { $cap } EUR): eine monatliche Leistung von höchstens { $room } EUR kann versichert werden
reason-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = das gesetzliche Krankengeld von { $statutory } EUR im Monat allein ist mehr als { $percent } % des durchschnittlichen Monatseinkommens ({ $cap } EUR): es bleibt kein Einkommen zu versichern
reason-STATUTORY_BENEFIT_UNKNOWN = das Modell hat kein am { $date } geltendes gesetzliches Krankengeld
reason-FAMILY_SITUATION_ASSUMED = der Familienstand wurde nicht angegeben: die Grenze geht von { $family } aus, der Lage mit dem höchsten gesetzlichen Krankengeld ({ $statutory } EUR im Monat); die Prämie hängt nicht davon ab
step-statutory_benefit = das gesetzliche Krankengeld von { $statutory } EUR im Monat ({ $family }), kein Term der Prämie: die monatliche Leistung plus dieses ist höchstens { $percent } % des Einkommens ({ $cap } EUR)
step-benefit_units = monatliche Leistung von { $benefit } EUR, in Hundert Euro
step-base_rate = multipliziert mit dem jährlichen Grundtarif je 100 EUR monatlicher Leistung im Alter von { $age } Jahren
step-occupation_class_factor = multipliziert mit dem Faktor der Berufsklasse { $class } ({ $occupation })
step-smoker_factor = multipliziert mit dem Raucherfaktor
step-minimum_premium = mindestens die Mindestrisikoprämie
step-risk_premium = Risikoprämie, auf den Cent gerundet (ein halber Cent zur geraden Ziffer)
step-fixed_expense = zuzüglich der festen Kosten je Vertrag
step-loadings = geteilt durch 1 − Provision { $commission } − sonstige Kosten { $other_expenses } − Gewinn { $profit }
step-office_premium = Bruttoprämie, auf den Cent gerundet (ein halber Cent zur geraden Ziffer)
step-policy_fee = zuzüglich der Policengebühr
step-insurance_premium_tax = zuzüglich der jährlichen Steuer auf Versicherungsverträge auf Bruttoprämie und Policengebühr, auf den Cent gerundet (ein halber Cent zur geraden Ziffer)

## Labels of the catalogue

benefit-period-2_years = 2 Jahre
benefit-period-5_years = 5 Jahre
benefit-period-to_age_65 = Bis zum Alter von 65 Jahren
occupation-office_worker = Büroangestellte/r
occupation-beautician = Kosmetiker/in
occupation-massage_therapist = Massagetherapeut/in
occupation-physiotherapist = Physiotherapeut/in
occupation-personal_care_worker = Pflegehelfer/in
occupation-nurse = Krankenpfleger/in
occupation-dancer_performer = Tänzer/in / Künstler/in
occupation-personal_trainer = Personal Trainer/in
occupation-escort_companion = Escort / Begleitung
occupation-erotic_tantric_massage = Erotische oder tantrische Massage
occupation-bdsm_fetish_work = BDSM / Fetischarbeit
occupation-erotic_dance_striptease = Erotischer Tanz und Striptease
occupation-webcam_online_content = Webcam und Online-Inhalte
occupation-window_venue_work = Arbeit im Fenster und in Betrieben
family-situation-with_dependants = mit Familienlast
family-situation-single = alleinstehend
family-situation-cohabiting = zusammenwohnend
deferred-statutory-self_employed = { $days } Tage: das gesetzliche Krankengeld eines Selbständigen wird ab dem ersten Tag einer Arbeitsunfähigkeit von mehr als { $qualifying } Tagen gezahlt; diese Deckung zahlt nach den ersten { $days } Tagen, zusätzlich dazu
deferred-statutory-employee = { $days } Tage: die ersten { $qualifying } Tage eines Arbeitnehmers zahlt der Arbeitgeber als garantierten Lohn, danach zahlt die Krankenkasse ihr Krankengeld; diese Deckung zahlt nach den ersten { $days } Tagen, zusätzlich dazu
