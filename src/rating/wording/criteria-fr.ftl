# Les critères de segmentation publiés (loi du 4 avril 2014 relative aux assurances), en
# français. Le catalogue d'une version (messages-fr.ftl) peut formuler chacun lui-même.

criteria-title = Critères de segmentation : { $product }
criteria-product-liability = responsabilité civile professionnelle et générale
criteria-product-income_protection = revenu garanti
criteria-version = Version du modèle { $version } ({ $label }), en vigueur à partir du { $effective_from }. Ce texte est produit à partir de cette version et change avec elle.
criteria-law = En vertu de la loi du 4 avril 2014 relative aux assurances, l'assureur indique les critères de segmentation de l'acceptation et du tarif, avec leur justification, et motive un refus.
criteria-heading-price = Critères de tarification
criteria-heading-acceptance = Critères d'acceptation
criteria-heading-refusal = Refus et renvoi
criteria-refusal = Un devis refusé ou renvoyé à un souscripteur donne chaque motif qui s'applique, et chaque motif nomme le critère de ce texte qu'il applique.
criteria-table = table { $table }
criteria-justification = Justification { $id }, approuvée par { $approver }, à revoir au plus tard le { $review_date } : { $aim }. Éléments : { $evidence }
criteria-recorded-language = Les justifications sont citées telles que l'actuaire les a consignées, en anglais.
criteria-protected = { $criterion } est un critère des lois anti-discrimination du 10 mai 2007 : il n'est utilisé qu'avec la justification objective donnée.
criteria-no-justification = Cette table n'a pas de justification consignée.

criterion-occupation = Profession
criterion-work_setting = Cadre de travail
criterion-limit_of_indemnity = Plafond d'indemnisation
criterion-deductible = Franchise
criterion-claims_history = Sinistres des 5 dernières années
criterion-risk_management = Mesures de gestion des risques
criterion-turnover = Chiffre d'affaires annuel
criterion-age = Âge
criterion-deferred_period = Délai de carence
criterion-benefit_period = Durée des prestations
criterion-benefit = Rente mensuelle
criterion-income = Revenu mensuel moyen
criterion-smoking = Tabagisme
criterion-employment_status = Statut professionnel
criterion-charges = Chargements et taxe
criterion-statutory_benefit = Indemnité légale d'incapacité et situation familiale

protected-age = L'âge
protected-health = L'état de santé
protected-wealth = La fortune
protected-disability = Le handicap
protected-civil_status = L'état civil

criteria-price-liability-base_rates = Le taux de base par 1 000 EUR de chiffre d'affaires annuel dépend de la classe de la profession et du cadre de travail.
criteria-price-liability-increased_limit_factors = Un plafond d'indemnisation plus élevé coûte plus, par un facteur par plafond.
criteria-price-liability-deductible_factors = Une franchise plus élevée coûte moins, par un facteur par franchise.
criteria-price-liability-experience_factors = Le tarif dépend du nombre de sinistres des 5 dernières années, par un facteur par tranche.
criteria-price-liability-risk_management_credits = Chaque mesure de gestion des risques prise réduit le tarif, dans une limite.
criteria-price-liability-occupations = Chaque profession est placée dans une classe ; une profession de l'intimité est placée dans la classe de sa profession de comparaison, sauf si sa propre sinistralité, consignée et justifiée, en décide autrement.
criteria-price-liability-parameters = Chaque contrat supporte les mêmes chargements, prime minimale, frais de police et taxe annuelle sur les contrats d'assurance.
criteria-price-income_protection-base_rates = Le taux de base par 100 EUR de rente mensuelle dépend de l'âge, du délai de carence et de la durée des prestations.
criteria-price-income_protection-occupation_class_factors = La classe de la profession fixe un facteur.
criteria-price-income_protection-smoker_factors = Fumeurs et non-fumeurs ont chacun leur facteur.
criteria-price-income_protection-occupations = Chaque profession est placée dans une classe ; une profession de l'intimité est placée dans la classe de sa profession de comparaison, sauf si sa propre sinistralité, consignée et justifiée, en décide autrement.
criteria-price-income_protection-parameters = Chaque contrat supporte les mêmes chargements, prime minimale, frais de police et taxe annuelle sur les contrats d'assurance.
criteria-acceptance-income_protection-statutory_benefits = L'indemnité légale d'incapacité par mois, selon le statut professionnel et la situation familiale, avec sa période de validité et sa source ; elle fixe seulement la part du revenu qui reste à assurer sous le plafond.

rule-AGE_OUTSIDE_ELIGIBILITY = La couverture commence entre { $min_age } et { $max_age } ans ; en dehors, le devis est refusé.
rule-BENEFIT_ABOVE_INCOME_CAP = La rente mensuelle est au plus { $percent } % du revenu mensuel moyen ; au-delà, le devis est refusé.
rule-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = Le délai de carence d'un salarié est d'au moins { $days } jours, le salaire garanti de l'employeur couvrant les premiers ; plus court, il est refusé.
rule-LARGE_BENEFIT = Une rente mensuelle supérieure à { $threshold } EUR est renvoyée à un souscripteur.
rule-CLAIMS_HISTORY = À partir de { $claims } sinistres au cours des 5 dernières années, le devis est renvoyé à un souscripteur.
rule-CLAIMS_BEYOND_RATING_TABLE = Plus de { $claims } sinistres au cours des 5 dernières années, au-delà de ce que le tableau de sinistralité tarife : le devis est refusé.
rule-LARGE_TURNOVER = Un chiffre d'affaires annuel supérieur à { $threshold } EUR est renvoyé à un souscripteur.
rule-NOT_RATED = Une combinaison à laquelle les tables ne donnent pas de taux est refusée.
rule-BENEFIT_ABOVE_COMBINED_CAP = La prestation mensuelle plus l'indemnité légale d'incapacité (de l'INASTI ou de la mutualité, selon le statut professionnel et la situation familiale, d'après la table statutory_benefits.csv de la version) est au plus { $percent } % du revenu mensuel moyen ; au-delà, le devis est refusé. La situation familiale, critère de la loi du 10 mai 2007, n'entre que dans ce plafond et jamais dans le prix.
rule-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = Quand l'indemnité légale seule dépasse { $percent } % du revenu mensuel moyen, il ne reste rien à assurer et le devis est refusé.
rule-FAMILY_SITUATION_ASSUMED = Indiquer la situation familiale est facultatif ; sans elle, le plafond retient la situation dont l'indemnité légale est la plus élevée, et le devis le dit.
