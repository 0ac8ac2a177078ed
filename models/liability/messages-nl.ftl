# Nederlandse formulering van de offertes en de catalogus (liability) van deze modelversie.

## Reasons and worksheet steps

reason-CLAIMS_BEYOND_RATING_TABLE = { $claims } schadegevallen in de laatste 5 jaar: meer dan de tabel van het schadeverloop tarifeert
reason-CLAIMS_HISTORY = { $claims ->
        [one] 1 schadegeval
       *[other] { $claims } schadegevallen
    } in de laatste 5 jaar: een acceptant beoordeelt het schadeverleden
reason-LARGE_TURNOVER = een jaaromzet boven { $threshold } EUR wordt door een acceptant beoordeeld
reason-NOT_RATED = het model heeft geen basistarief voor klasse { $class } in de werkomgeving { $work_setting }
step-exposure = jaaromzet van { $turnover } EUR, in duizenden euro
step-base_rate = maal het basistarief per 1.000 EUR omzet voor { $occupation } (klasse { $class })
step-increased_limit_factor = maal de factor van het verzekerde bedrag
step-deductible_factor = maal de factor van de vrijstelling
step-experience_factor = maal de schadeverloopfactor voor { $claims ->
        [one] 1 schadegeval
       *[other] { $claims } schadegevallen
    } in de laatste 5 jaar
step-risk_management_credit = maal 1 − de kortingen voor risicobeheer { $credits } (ten hoogste { $cap })
step-minimum_premium = ten minste de minimale risicopremie
step-risk_premium = risicopremie, afgerond op de cent (een halve cent naar het even getal)
step-fixed_expense = plus de vaste kosten per polis
step-loadings = gedeeld door 1 − commissie { $commission } − overige kosten { $other_expenses } − winst { $profit }
step-office_premium = commerciële premie, afgerond op de cent (een halve cent naar het even getal)
step-policy_fee = plus de poliskosten
step-insurance_premium_tax = plus de taks op de verzekeringscontracten over de commerciële premie en de poliskosten, afgerond op de cent (een halve cent naar het even getal)

## Labels of the catalogue

work-setting-own_premises = Eigen ruimte
work-setting-client_premises = Bij de klant
work-setting-venue = In een zaak
work-setting-online_only = Alleen online
risk-measure-safety_training = Veiligheidsopleiding
risk-measure-screening_protocol = Protocol voor het screenen van klanten
risk-measure-hygiene_protocol = Hygiëneprotocol
risk-measure-panic_button_or_reference_person = Alarmknop of referentiepersoon
risk-measure-peer_network = Netwerk van collega's
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
