# De gepubliceerde segmentatiecriteria (wet van 4 april 2014 betreffende de verzekeringen), in
# het Nederlands. De catalogus van een versie (messages-nl.ftl) mag elk ervan zelf verwoorden.

criteria-title = Segmentatiecriteria: { $product }
criteria-product-liability = beroeps- en algemene aansprakelijkheid
criteria-product-income_protection = gewaarborgd inkomen
criteria-version = Modelversie { $version } ({ $label }), van kracht vanaf { $effective_from }. Deze tekst wordt uit die versie gemaakt en verandert met haar.
criteria-law = Volgens de wet van 4 april 2014 betreffende de verzekeringen vermeldt de verzekeraar de criteria waarmee hij de acceptatie en het tarief segmenteert, met hun verantwoording, en motiveert hij een weigering.
criteria-heading-price = Tariefcriteria
criteria-heading-acceptance = Acceptatiecriteria
criteria-heading-refusal = Weigering en doorverwijzing
criteria-refusal = Een geweigerde of naar een acceptant doorverwezen offerte vermeldt elke reden die geldt, en elke reden noemt het criterium van deze tekst dat zij toepast.
criteria-table = tabel { $table }
criteria-justification = Verantwoording { $id }, goedgekeurd door { $approver }, te herzien uiterlijk op { $review_date }: { $aim }. Gegevens: { $evidence }
criteria-recorded-language = De verantwoordingen worden aangehaald zoals de actuaris ze vastlegde, in het Engels.
criteria-protected = { $criterion } is een criterium van de antidiscriminatiewetten van 10 mei 2007: het wordt alleen gebruikt met de gegeven objectieve verantwoording.
criteria-no-justification = Deze tabel heeft geen vastgelegde verantwoording.

criterion-occupation = Beroep
criterion-work_setting = Werkomgeving
criterion-limit_of_indemnity = Verzekerd bedrag
criterion-deductible = Vrijstelling
criterion-claims_history = Schadegevallen in de laatste 5 jaar
criterion-risk_management = Maatregelen van risicobeheer
criterion-turnover = Jaaromzet
criterion-age = Leeftijd
criterion-deferred_period = Wachttijd
criterion-benefit_period = Uitkeringsduur
criterion-benefit = Maandelijkse uitkering
criterion-income = Gemiddeld maandinkomen
criterion-smoking = Roken
criterion-employment_status = Beroepsstatuut
criterion-charges = Kosten en taks
criterion-statutory_benefit = Wettelijke arbeidsongeschiktheidsuitkering en gezinssituatie

protected-age = Leeftijd
protected-health = Gezondheidstoestand
protected-wealth = Vermogen
protected-disability = Handicap
protected-civil_status = Burgerlijke staat

criteria-price-liability-base_rates = Het basistarief per 1 000 EUR jaaromzet hangt af van de klasse van het beroep en de werkomgeving.
criteria-price-liability-increased_limit_factors = Een hoger verzekerd bedrag kost meer, met een factor per bedrag.
criteria-price-liability-deductible_factors = Een hogere vrijstelling kost minder, met een factor per vrijstelling.
criteria-price-liability-experience_factors = Het tarief hangt af van het aantal schadegevallen in de laatste 5 jaar, met een factor per schijf.
criteria-price-liability-risk_management_credits = Elke genomen maatregel van risicobeheer verlaagt het tarief, tot een grens.
criteria-price-liability-occupations = Elk beroep hoort bij een klasse; een intiem beroep hoort bij de klasse van zijn vergelijkingsberoep, tenzij zijn eigen schadeverloop, vastgelegd en verantwoord, anders beslist.
criteria-price-liability-parameters = Elke polis draagt dezelfde kosten, minimumpremie, poliskosten en taks op de verzekeringscontracten.
criteria-price-income_protection-base_rates = Het basistarief per 100 EUR maandelijkse uitkering hangt af van de leeftijd, de wachttijd en de uitkeringsduur.
criteria-price-income_protection-occupation_class_factors = De klasse van het beroep bepaalt een factor.
criteria-price-income_protection-smoker_factors = Rokers en niet-rokers hebben elk hun factor.
criteria-price-income_protection-occupations = Elk beroep hoort bij een klasse; een intiem beroep hoort bij de klasse van zijn vergelijkingsberoep, tenzij zijn eigen schadeverloop, vastgelegd en verantwoord, anders beslist.
criteria-price-income_protection-parameters = Elke polis draagt dezelfde kosten, minimumpremie, poliskosten en taks op de verzekeringscontracten.
criteria-acceptance-income_protection-statutory_benefits = De wettelijke arbeidsongeschiktheidsuitkering per maand, naar beroepsstatus en gezinssituatie, met haar geldigheidsperiode en haar bron; ze bepaalt alleen hoeveel van het inkomen onder de grens te verzekeren blijft.

rule-AGE_OUTSIDE_ELIGIBILITY = De dekking begint tussen { $min_age } en { $max_age } jaar; daarbuiten wordt de offerte geweigerd.
rule-BENEFIT_ABOVE_INCOME_CAP = De maandelijkse uitkering is hoogstens { $percent } % van het gemiddelde maandinkomen; daarboven wordt de offerte geweigerd.
rule-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = De wachttijd van een werknemer is minstens { $days } dagen, omdat het gewaarborgd loon van de werkgever de eerste dekt; een kortere wordt geweigerd.
rule-LARGE_BENEFIT = Een maandelijkse uitkering boven { $threshold } EUR wordt naar een acceptant doorverwezen.
rule-CLAIMS_HISTORY = Vanaf { $claims } schadegevallen in de laatste 5 jaar wordt de offerte naar een acceptant doorverwezen.
rule-CLAIMS_BEYOND_RATING_TABLE = Meer dan { $claims } schadegevallen in de laatste 5 jaar, meer dan de schadetabel tarifeert: de offerte wordt geweigerd.
rule-LARGE_TURNOVER = Een jaaromzet boven { $threshold } EUR wordt naar een acceptant doorverwezen.
rule-NOT_RATED = Een combinatie waarvoor de tabellen geen tarief geven, wordt geweigerd.
rule-BENEFIT_ABOVE_COMBINED_CAP = De maandelijkse uitkering plus de wettelijke arbeidsongeschiktheidsuitkering (van het RSVZ of het ziekenfonds, naar beroepsstatus en gezinssituatie, uit de tabel statutory_benefits.csv van de versie) bedraagt ten hoogste { $percent } % van het gemiddelde maandinkomen; daarboven wordt een offerte geweigerd. De gezinssituatie, een criterium van de wet van 10 mei 2007, telt alleen in deze grens en nooit in de prijs.
rule-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = Is de wettelijke uitkering alleen al meer dan { $percent } % van het gemiddelde maandinkomen, dan blijft er niets te verzekeren en wordt een offerte geweigerd.
rule-FAMILY_SITUATION_ASSUMED = De gezinssituatie opgeven is niet verplicht; zonder ze gaat de grens uit van de situatie met de hoogste wettelijke uitkering, en de offerte zegt dat.
