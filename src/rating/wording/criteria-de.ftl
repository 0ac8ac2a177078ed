# Die veröffentlichten Segmentierungskriterien (Gesetz vom 4. April 2014 über die
# Versicherungen), auf Deutsch. Der Katalog einer Version (messages-de.ftl) darf jedes selbst
# formulieren.

criteria-title = Segmentierungskriterien: { $product }
criteria-product-liability = Berufs- und allgemeine Haftpflicht
criteria-product-income_protection = Einkommensschutz
criteria-version = Modellversion { $version } ({ $label }), gültig ab { $effective_from }. Dieser Text wird aus dieser Version erzeugt und ändert sich mit ihr.
criteria-law = Nach dem Gesetz vom 4. April 2014 über die Versicherungen nennt der Versicherer die Kriterien, nach denen er Annahme und Tarif segmentiert, mit ihrer Begründung, und begründet eine Ablehnung.
criteria-heading-price = Tarifkriterien
criteria-heading-acceptance = Annahmekriterien
criteria-heading-refusal = Ablehnung und Weiterleitung
criteria-refusal = Ein abgelehntes oder an einen Risikoprüfer weitergeleitetes Angebot nennt jeden zutreffenden Grund, und jeder Grund nennt das Kriterium dieses Textes, das er anwendet.
criteria-table = Tabelle { $table }
criteria-justification = Begründung { $id }, genehmigt von { $approver }, zu überprüfen bis { $review_date }: { $aim }. Belege: { $evidence }
criteria-recorded-language = Die Begründungen werden so zitiert, wie der Aktuar sie festgehalten hat, auf Englisch.
criteria-protected = { $criterion } ist ein Kriterium der Antidiskriminierungsgesetze vom 10. Mai 2007: es wird nur mit der angegebenen objektiven Begründung verwendet.
criteria-no-justification = Diese Tabelle hat keine festgehaltene Begründung.

criterion-occupation = Beruf
criterion-work_setting = Arbeitsumfeld
criterion-limit_of_indemnity = Deckungssumme
criterion-deductible = Selbstbeteiligung
criterion-claims_history = Schäden in den letzten 5 Jahren
criterion-risk_management = Maßnahmen des Risikomanagements
criterion-turnover = Jahresumsatz
criterion-age = Alter
criterion-deferred_period = Karenzzeit
criterion-benefit_period = Leistungsdauer
criterion-benefit = Monatliche Leistung
criterion-income = Durchschnittliches Monatseinkommen
criterion-smoking = Rauchen
criterion-employment_status = Berufsstatus
criterion-charges = Kosten und Steuer
criterion-statutory_benefit = Gesetzliches Krankengeld und Familienstand

protected-age = Das Alter
protected-health = Der Gesundheitszustand
protected-wealth = Das Vermögen
protected-disability = Die Behinderung
protected-civil_status = Der Zivilstand

criteria-price-liability-base_rates = Der Grundtarif je 1 000 EUR Jahresumsatz hängt von der Klasse des Berufs und vom Arbeitsumfeld ab.
criteria-price-liability-increased_limit_factors = Eine höhere Deckungssumme kostet mehr, mit einem Faktor je Summe.
criteria-price-liability-deductible_factors = Eine höhere Selbstbeteiligung kostet weniger, mit einem Faktor je Selbstbeteiligung.
criteria-price-liability-experience_factors = Der Tarif hängt von der Zahl der Schäden in den letzten 5 Jahren ab, mit einem Faktor je Stufe.
criteria-price-liability-risk_management_credits = Jede getroffene Maßnahme des Risikomanagements senkt den Tarif, bis zu einer Grenze.
criteria-price-liability-occupations = Jeder Beruf gehört zu einer Klasse; ein intimer Beruf gehört zur Klasse seines Vergleichsberufs, außer wenn sein eigener, festgehaltener und begründeter Schadenverlauf anders entscheidet.
criteria-price-liability-parameters = Jeder Vertrag trägt dieselben Kosten, dieselbe Mindestprämie, dieselbe Policengebühr und dieselbe jährliche Steuer auf Versicherungsverträge.
criteria-price-income_protection-base_rates = Der Grundtarif je 100 EUR monatlicher Leistung hängt vom Alter, von der Karenzzeit und von der Leistungsdauer ab.
criteria-price-income_protection-occupation_class_factors = Die Klasse des Berufs bestimmt einen Faktor.
criteria-price-income_protection-smoker_factors = Raucher und Nichtraucher haben je ihren Faktor.
criteria-price-income_protection-occupations = Jeder Beruf gehört zu einer Klasse; ein intimer Beruf gehört zur Klasse seines Vergleichsberufs, außer wenn sein eigener, festgehaltener und begründeter Schadenverlauf anders entscheidet.
criteria-price-income_protection-parameters = Jeder Vertrag trägt dieselben Kosten, dieselbe Mindestprämie, dieselbe Policengebühr und dieselbe jährliche Steuer auf Versicherungsverträge.
criteria-acceptance-income_protection-statutory_benefits = Das gesetzliche Krankengeld im Monat, nach Berufsstatus und Familienstand, mit seiner Geltungsdauer und seiner Quelle; es bestimmt nur, wie viel des Einkommens unter der Grenze zu versichern bleibt.

rule-AGE_OUTSIDE_ELIGIBILITY = Die Deckung beginnt zwischen { $min_age } und { $max_age } Jahren; außerhalb wird das Angebot abgelehnt.
rule-BENEFIT_ABOVE_INCOME_CAP = Die monatliche Leistung beträgt höchstens { $percent } % des durchschnittlichen Monatseinkommens; darüber wird das Angebot abgelehnt.
rule-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY = Die Karenzzeit eines Arbeitnehmers beträgt mindestens { $days } Tage, da die Lohnfortzahlung des Arbeitgebers die ersten deckt; eine kürzere wird abgelehnt.
rule-LARGE_BENEFIT = Eine monatliche Leistung über { $threshold } EUR wird an einen Risikoprüfer weitergeleitet.
rule-CLAIMS_HISTORY = Ab { $claims } Schäden in den letzten 5 Jahren wird das Angebot an einen Risikoprüfer weitergeleitet.
rule-CLAIMS_BEYOND_RATING_TABLE = Mehr als { $claims } Schäden in den letzten 5 Jahren, mehr als die Schadentabelle tarifiert: das Angebot wird abgelehnt.
rule-LARGE_TURNOVER = Ein Jahresumsatz über { $threshold } EUR wird an einen Risikoprüfer weitergeleitet.
rule-NOT_RATED = Eine Kombination, für die die Tabellen keinen Tarif geben, wird abgelehnt.
rule-BENEFIT_ABOVE_COMBINED_CAP = Die monatliche Leistung plus das gesetzliche Krankengeld (des LISVS oder der Krankenkasse, nach Berufsstatus und Familienstand, aus der Tabelle statutory_benefits.csv der Version) beträgt höchstens { $percent } % des durchschnittlichen Monatseinkommens; darüber wird ein Angebot abgelehnt. Der Familienstand, ein Kriterium des Gesetzes vom 10. Mai 2007, zählt nur in dieser Grenze und nie im Preis.
rule-STATUTORY_BENEFIT_ABOVE_INCOME_CAP = Ist das gesetzliche Krankengeld allein höher als { $percent } % des durchschnittlichen Monatseinkommens, bleibt nichts zu versichern und ein Angebot wird abgelehnt.
rule-FAMILY_SITUATION_ASSUMED = Die Angabe des Familienstands ist freiwillig; ohne sie geht die Grenze von der Lage mit dem höchsten gesetzlichen Krankengeld aus, und das Angebot sagt es.
