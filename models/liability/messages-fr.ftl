# Formulation française des devis et du catalogue (liability) de cette version du modèle.

## Reasons and worksheet steps

reason-CLAIMS_BEYOND_RATING_TABLE = { $claims } sinistres au cours des 5 dernières années : plus que ce que le tableau de sinistralité tarife
reason-CLAIMS_HISTORY = { $claims ->
        [one] { $claims } sinistre
       *[other] { $claims } sinistres
    } au cours des 5 dernières années : un souscripteur examine l'historique des sinistres
reason-LARGE_TURNOVER = un chiffre d'affaires annuel supérieur à { $threshold } EUR est examiné par un souscripteur
reason-NOT_RATED = le modèle n'a pas de taux de base pour la classe { $class } dans le cadre de travail { $work_setting }
step-exposure = chiffre d'affaires annuel de { $turnover } EUR, en milliers d'euros
step-base_rate = multiplié par le taux de base par 1 000 EUR de chiffre d'affaires pour { $occupation } (classe { $class })
step-increased_limit_factor = multiplié par le facteur du plafond d'indemnisation
step-deductible_factor = multiplié par le facteur de la franchise
step-experience_factor = multiplié par le facteur de sinistralité pour { $claims ->
        [one] { $claims } sinistre
       *[other] { $claims } sinistres
    } au cours des 5 dernières années
step-risk_management_credit = multiplié par 1 − les réductions pour gestion des risques { $credits } (au plus { $cap })
step-minimum_premium = au moins la prime de risque minimale
step-risk_premium = prime de risque, arrondie au centime (un demi-centime vers le chiffre pair)
step-fixed_expense = plus les frais fixes par contrat
step-loadings = divisé par 1 − commission { $commission } − autres frais { $other_expenses } − bénéfice { $profit }
step-office_premium = prime commerciale, arrondie au centime (un demi-centime vers le chiffre pair)
step-policy_fee = plus les frais de police
step-insurance_premium_tax = plus la taxe annuelle sur les contrats d'assurance, sur la prime commerciale et les frais de police, arrondie au centime (un demi-centime vers le chiffre pair)

## Labels of the catalogue

work-setting-own_premises = Locaux propres
work-setting-client_premises = Chez le client
work-setting-venue = Dans un établissement
work-setting-online_only = Uniquement en ligne
risk-measure-safety_training = Formation à la sécurité
risk-measure-screening_protocol = Protocole de sélection des clients
risk-measure-hygiene_protocol = Protocole d'hygiène
risk-measure-panic_button_or_reference_person = Bouton d'alarme ou personne de référence
risk-measure-peer_network = Réseau de pairs
occupation-office_worker = Employé·e de bureau
occupation-beautician = Esthéticien·ne
occupation-massage_therapist = Massothérapeute
occupation-physiotherapist = Kinésithérapeute
occupation-personal_care_worker = Aide-soignant·e
occupation-nurse = Infirmier·ère
occupation-dancer_performer = Danseur·euse / artiste
occupation-personal_trainer = Coach sportif personnel
occupation-escort_companion = Escort / accompagnement
occupation-erotic_tantric_massage = Massage érotique ou tantrique
occupation-bdsm_fetish_work = BDSM / travail fétichiste
occupation-erotic_dance_striptease = Danse érotique et striptease
occupation-webcam_online_content = Webcam et contenus en ligne
occupation-window_venue_work = Travail en vitrine et en établissement
