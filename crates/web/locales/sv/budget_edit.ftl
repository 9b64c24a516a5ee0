# Editing the economy chapter: the edit form, deciding and revising versions.

## The budget page: edit, decide, revise
budget-create-link = Lägg upp budgeten
budget-actions-draft-heading = Ändra och fastställ
budget-actions-decided-heading = Revidera
budget-edit-link = Ändra budgeten
budget-decide-legend = Fastställ budget
budget-decide-intro = När budgeten är fastställd låses versionen och kan inte längre ändras. Ange beslutet som fastställde den.
budget-decide-reference-hint = Till exempel RS 2019-12-10 §123.
budget-decide-date-hint = ÅÅÅÅ-MM-DD, till exempel 2019-12-10.
budget-decide-submit = Fastställ budget
budget-revise-note = Version { $number } är fastställd och låst. En revidering börjar ett nytt utkast med samma innehåll; den fastställda versionen finns kvar oförändrad.
budget-revise-intro = En revidering börjar ett nytt utkast med den fastställda budgetens innehåll. Den fastställda versionen finns kvar oförändrad.
budget-revise-submit = Revidera
budget-conflict-stale = Någon annan har sparat budgeten sedan du öppnade sidan. Dina ändringar är inte sparade: öppna den sparade versionen och gör ändringen igen.
budget-conflict-reload = Öppna den sparade versionen
notice-budget-saved = Budgeten är sparad.
notice-budget-decided = Budgeten är fastställd. Versionen är nu låst.
notice-budget-revised = En revidering är påbörjad som ett nytt utkast. Den fastställda versionen finns kvar.

## The edit form
budget-edit-title = Ändra budget { $year }: { $name }
budget-edit-crumb = Ändra
budget-edit-new-lead = Ny budget. Den sparas som utkast.
budget-edit-decided-lead = Version { $number }, fastställd
budget-edit-decided = Version { $number } är fastställd och kan inte ändras.
budget-edit-back = Tillbaka till budgeten
budget-edit-save = Spara budgeten
budget-edit-amount-hint = Belopp anges i tusen kronor (tkr), till exempel 60 600,0 eller −2 326,2. Intäkter är positiva och kostnader negativa. Belopp avrundas aldrig: högst fem decimaler (hela ören).
budget-edit-budget-year = budgetår
budget-edit-frames-caption = Ram per år, tkr
budget-edit-phasing-legend = Regionersättning per månad
budget-edit-phasing-even = 1/12 av ramen per månad
budget-edit-phasing-day-count = Efter antalet dagar i varje månad
budget-edit-phasing-profile = Enligt den sparade periodiseringsprofilen
budget-edit-rows-hint = Tomma rader sparas inte. Kryssa i ”Ta bort” för att ta bort en rad när du sparar.
budget-edit-distribution-caption = Ram per enhet, tkr
budget-edit-changes-hint = Ange orsaken och beloppet för de år förändringen gäller; lämna övriga år tomma.
budget-edit-changes-caption = Ramförändringar per år med orsak, tkr
budget-edit-lines-hint = Årsbelopp per enhet och kostnads- eller intäktsslag. Ett nytt eller ändrat årsbelopp fördelas på månaderna enligt regionersättningens periodisering ovan. Rader med egen månadsfördelning (markerade) behåller den så länge årsbeloppet inte ändras.
budget-edit-lines-caption = Budgetrader, årsbelopp i tkr
budget-edit-own-months = Egen månadsfördelning
budget-edit-col-row = Rad
budget-edit-col-remove = Ta bort
budget-edit-more-frame-rows = Fler rader i ramfördelningen
budget-edit-more-change-rows = Fler rader för ramförändringar
budget-edit-more-line-rows = Fler budgetrader
budget-edit-choose-unit = Välj enhet
budget-edit-choose-category = Välj kostnads- eller intäktsslag
budget-edit-unit-closed = stängd
budget-edit-kept = Intäktsfinansierade verksamheter, ersättningar ur RS anslag, resultatreglering, investeringsramar, kostnads- och intäktsslagen och summorna enligt dokumentet ändras inte här; de sparas som de är.
budget-edit-frame-year = Ram { $year } (tkr)
budget-edit-amount-year = Belopp { $year } (tkr)
budget-edit-amount-not-a-number = Fältet ”{ $field }” måste vara ett belopp i tkr, till exempel 60 600,0 eller −2 326,2.
budget-edit-amount-invalid-characters = Fältet ”{ $field }” har en punkt följd av tre siffror, som kan vara en tusentalsavgränsare. Skriv decimalkomma (12,345) eller mellanslag mellan tusentalen (12 345).
budget-edit-amount-too-many-decimals = Fältet ”{ $field }” har fler decimaler än hela ören (högst fem decimaler i tkr). Beloppet avrundas inte.

## Field labels of the edit form (see crate::error::field_label)
field-frame-rows-item = Ramfördelning, rad { $n }
field-change-rows-item = Ramförändring, rad { $n }
field-line-rows-item = Budgetrad { $n }
field-frame-tkr = Ram (tkr)
field-previous-frame-tkr = Ram föregående år (tkr)
field-amount-tkr = Belopp (tkr)
field-change-reason = Orsak
