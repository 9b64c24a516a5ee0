# Indicators that take their values from the budget (budget_source).

# The object form: where an indicator's values come from.
field-budget-figure = Värden hämtas från budgeten
field-budget-category = Rad i budgeten
hint-budget-figure = Då skrivs utfallet inte in: det hämtas från budgetuppföljningen för enheten och enheterna under den, i indikatorns enhet (mkr, tkr eller kr). Bedömning och kommentar skrivs som vanligt.
hint-budget-category = Resultatet eller ett kostnads- eller intäktsslag. Kostnader visas som positiva belopp; avvikelser behåller sitt tecken (positiv = bättre än budget).
budget-figure-none = Nej, utfallet skrivs in
budget-figure-actual-month = Utfall för månaden
budget-figure-actual-ytd = Utfall hittills i år
budget-figure-forecast-year = Prognos för helåret
budget-figure-variance-ytd = Avvikelse mot budget hittills i år
budget-figure-variance-year = Prognosens avvikelse mot budget för helåret
budget-figure-budget-year = Budget för helåret
budget-row-result = Resultat (intäkter och kostnader)

# The API's `budget_source.figure` and `budget_source.category` in messages.
field-budget-source = Värden hämtas från budgeten
field-figure = Budgetvärde

# The follow-up window: the outcome is read, not typed.
budget-figure-short-actual-month = utfall månad
budget-figure-short-actual-ytd = utfall hittills i år
budget-figure-short-forecast-year = prognos helår
budget-figure-short-variance-ytd = avvikelse mot budget hittills i år
budget-figure-short-variance-year = avvikelse helår mot budget
budget-figure-short-budget-year = budget helår
budget-row-result-short = resultat
# $value: the figure (prognos helår), $name: the row (resultat, 40 Personalkostnader).
budget-source-note = Hämtas från budgeten: { $value }, { $name }
budget-source-outcome-refused = Utfallet hämtas från budgeten och skrivs inte in. Bedömning och kommentar kan du skriva.
