# Deutsche Formulierung der Angebote und des Katalogs (liability) dieser Modellversion.

## Reasons and worksheet steps

reason-CLAIMS_BEYOND_RATING_TABLE = { $claims } Schadenfälle in den letzten 5 Jahren: mehr, als die Tabelle des Schadenverlaufs tarifiert
reason-CLAIMS_HISTORY = { $claims ->
        [one] 1 Schadenfall
       *[other] { $claims } Schadenfälle
    } in den letzten 5 Jahren: ein Risikoprüfer prüft den Schadenverlauf
reason-LARGE_TURNOVER = ein Jahresumsatz über { $threshold } EUR wird von einem Risikoprüfer geprüft
reason-NOT_RATED = das Modell hat keinen Grundtarif für die Klasse { $class } im Arbeitsumfeld { $work_setting }
step-exposure = Jahresumsatz von { $turnover } EUR, in Tausend Euro
step-base_rate = multipliziert mit dem Grundtarif je 1.000 EUR Umsatz für { $occupation } (Klasse { $class })
step-increased_limit_factor = multipliziert mit dem Faktor der Deckungssumme
step-deductible_factor = multipliziert mit dem Faktor der Selbstbeteiligung
step-experience_factor = multipliziert mit dem Schadenverlaufsfaktor für { $claims ->
        [one] 1 Schadenfall
       *[other] { $claims } Schadenfälle
    } in den letzten 5 Jahren
step-risk_management_credit = multipliziert mit 1 − den Nachlässen für Risikomanagement { $credits } (höchstens { $cap })
step-minimum_premium = mindestens die Mindestrisikoprämie
step-risk_premium = Risikoprämie, auf den Cent gerundet (ein halber Cent zur geraden Ziffer)
step-fixed_expense = zuzüglich der festen Kosten je Vertrag
step-loadings = geteilt durch 1 − Provision { $commission } − sonstige Kosten { $other_expenses } − Gewinn { $profit }
step-office_premium = Bruttoprämie, auf den Cent gerundet (ein halber Cent zur geraden Ziffer)
step-policy_fee = zuzüglich der Policengebühr
step-insurance_premium_tax = zuzüglich der jährlichen Steuer auf Versicherungsverträge auf Bruttoprämie und Policengebühr, auf den Cent gerundet (ein halber Cent zur geraden Ziffer)

## Labels of the catalogue

work-setting-own_premises = Eigene Räume
work-setting-client_premises = Beim Kunden
work-setting-venue = In einem Betrieb
work-setting-online_only = Nur online
risk-measure-safety_training = Sicherheitsschulung
risk-measure-screening_protocol = Protokoll zur Überprüfung von Kunden
risk-measure-hygiene_protocol = Hygieneprotokoll
risk-measure-panic_button_or_reference_person = Alarmknopf oder Referenzperson
risk-measure-peer_network = Netzwerk unter Kolleginnen und Kollegen
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
