# Formulation française des devis et du catalogue (income protection) de cette version du modèle.

## Reasons and worksheet steps

reason-AGE_OUTSIDE_ELIGIBILITY = la couverture commence entre { $min_age } et { $max_age } ans ; la personne à assurer a { $age } ans
reason-BENEFIT_ABOVE_INCOME_CAP = la rente mensuelle de { $benefit } EUR dépasse { $percent } % du revenu mensuel moyen ({ $cap } EUR au plus)
reason-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = les { $days } premiers jours d'un travailleur salarié sont payés par l'employeur au titre du salaire garanti ; choisissez un délai de carence d'au moins { $days } jours
reason-LARGE_BENEFIT = une rente mensuelle supérieure à { $threshold } EUR est examinée par un souscripteur
reason-CLAIMS_HISTORY = { $claims ->
        [one] { $claims } sinistre d'incapacité de travail
       *[other] { $claims } sinistres d'incapacité de travail
    } au cours des 5 dernières années : un souscripteur les examine
reason-NOT_RATED = le modèle n'a pas de taux pour l'âge de { $age } ans dans la classe { $class }
reason-BENEFIT_ABOVE_COMBINED_CAP = la prestation mensuelle de { $benefit } EUR et l'indemnité légale de { $statutory } EUR dépassent ensemble { $percent } % du revenu mensuel moyen ({ $cap } EUR au plus) : une prestation mensuelle d'au plus { $room } EUR peut être assurée
reason-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = l'indemnité légale de { $statutory } EUR par mois dépasse à elle seule { $percent } % du revenu mensuel moyen ({ $cap } EUR) : il ne reste aucun revenu à assurer
reason-STATUTORY_BENEFIT_UNKNOWN = le modèle n'a pas d'indemnité légale en vigueur le { $date }
reason-FAMILY_SITUATION_ASSUMED = la situation familiale n'a pas été indiquée : le plafond retient { $family }, la situation dont l'indemnité légale est la plus élevée ({ $statutory } EUR par mois) ; la prime n'en dépend pas
step-statutory_benefit = l'indemnité légale de { $statutory } EUR par mois ({ $family }), qui n'entre pas dans la prime : la prestation mensuelle plus celle-ci est au plus { $percent } % du revenu ({ $cap } EUR)
step-benefit_units = rente mensuelle de { $benefit } EUR, en centaines d'euros
step-base_rate = multiplié par le taux de base annuel par 100 EUR de rente mensuelle à l'âge de { $age } ans
step-occupation_class_factor = multiplié par le facteur de la classe professionnelle { $class } ({ $occupation })
step-smoker_factor = multiplié par le facteur fumeur
step-minimum_premium = au moins la prime de risque minimale
step-risk_premium = prime de risque, arrondie au centime (un demi-centime vers le chiffre pair)
step-fixed_expense = plus les frais fixes par contrat
step-loadings = divisé par 1 − commission { $commission } − autres frais { $other_expenses } − bénéfice { $profit }
step-office_premium = prime commerciale, arrondie au centime (un demi-centime vers le chiffre pair)
step-policy_fee = plus les frais de police
step-insurance_premium_tax = plus la taxe annuelle sur les contrats d'assurance, sur la prime commerciale et les frais de police, arrondie au centime (un demi-centime vers le chiffre pair)

## Labels of the catalogue

benefit-period-2_years = 2 ans
benefit-period-5_years = 5 ans
benefit-period-to_age_65 = Jusqu'à 65 ans
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
family-situation-with_dependants = avec charge de famille
family-situation-single = isolé
family-situation-cohabiting = cohabitant
deferred-statutory-self_employed = { $days } jours : l'indemnité légale d'un indépendant est payée dès le premier jour d'une incapacité de plus de { $qualifying } jours ; cette couverture paie après les { $days } premiers jours, en plus d'elle
deferred-statutory-employee = { $days } jours : les { $qualifying } premiers jours d'un salarié sont payés par l'employeur (salaire garanti), puis la mutualité paie son indemnité ; cette couverture paie après les { $days } premiers jours, en plus d'elle
