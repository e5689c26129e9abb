// The page's own words in the six languages of the reference client.
// The form itself (categories, questions, options) comes from
// GET /v1/forms?lang=; these are the words around it.  Arabic is written
// right to left: setLanguage() sets <html lang dir>.  Tigrinya (Ge'ez
// script) and Chinese (Simplified) are left to right; Tigrinya speaks to
// the reader in the polite plural, Chinese with 您.

export const LANGS = ['nl', 'en', 'tr', 'ar', 'ti', 'zh'];
export const RTL = new Set(['ar']);

const T = {
	nl: {
		'case.number': 'Zaaknummer',
		'case.number.help': 'Noem dit nummer als u ons belt. Het is geen geheim; uw bewijscode wel: die noemt u nooit.',
		'case.received': 'Ontvangen op',
		'case.acknowledged': 'Ontvangst bevestigd op',
		'deadline.first': 'Eerste reactie van een behandelaar vóór',
		'subtype.label': 'Wat past het best?',
		'lang.label': 'Taal',
		'leave': 'Snel weg',
		'leave.hint': 'Sluit deze pagina direct en wist wat u invulde.',
		'danger.short': 'In direct gevaar? Bel 112.',
		'danger.title': 'Bel nu 112',
		'danger.body': 'Is er direct gevaar voor uw leven of dat van een ander? Bel nu 112 (politie, brandweer, ambulance). Deze melding vervangt dat niet.',
		'title.report': 'Doe een melding',
		'intro': 'U kunt hier anoniem melden: discriminatie op de arbeidsmarkt, ongewenste buitenlandse inmenging, en signalen van eergerelateerd geweld. Wat u schrijft wordt in uw browser versleuteld voordat het verstuurd wordt.',
		'privacy': 'Deze pagina bewaart niets op uw apparaat: geen cookies, geen opslag, niets in het adres. Gebruik bij voorkeur een privévenster.',
		'step.category': '1. Waarover gaat uw melding?',
		'step.questions': '2. Vragen',
		'step.narrative': '3. Wat is er gebeurd?',
		'narrative.label': 'Beschrijf in uw eigen woorden wat er gebeurde',
		'narrative.help': 'Noem geen namen of gegevens die u niet wilt delen. Alleen de behandelaar kan dit lezen.',
		'optional': '(niet verplicht)',
		'choose': 'Kies…',
		'yes': 'Ja',
		'no': 'Nee',
		'review.button': 'Verder: controleren',
		'review.title': '4. Controleer voor het versturen',
		'review.encrypted': 'Versleuteld — alleen de behandelaar kan dit lezen',
		'review.clear': 'Niet versleuteld — voor het doorsturen naar de juiste afdeling en voor anonieme statistiek',
		'review.none': '(niets)',
		'back': 'Terug en aanpassen',
		'send': 'Versleutel en verstuur',
		'sending': 'Bezig met versleutelen en versturen…',
		'pow.working': 'Uw browser doet een korte rekenopdracht die deze dienst tegen misbruik beschermt…',
		'done.title': 'Uw melding is ontvangen',
		'receipt.label': 'Uw meldcode',
		'receipt.advice': 'Schrijf deze code nu op papier. Met deze code leest u later antwoorden en kunt u iets toevoegen. Wij kunnen de code niet opnieuw tonen. Bewaar hem niet op een gedeeld apparaat, niet in een foto en niet in een bericht.',
		'ack.label': 'Bevestiging',
		'deadline.feedback': 'U krijgt uiterlijk een inhoudelijke reactie op',
		'deadline.ack': 'Een behandelaar bekijkt uw melding uiterlijk op',
		'new.report': 'Nieuwe melding',
		'link.check': 'Mijn melding bekijken',
		'link.report': 'Een melding doen',
		'title.check': 'Mijn melding bekijken',
		'check.intro': 'Vul uw meldcode in om de stand van zaken, termijnen en berichten te zien.',
		'receipt.input': 'Meldcode (16 cijfers)',
		'receipt.bad': 'Deze code klopt niet. Controleer de cijfers.',
		'login': 'Openen',
		'login.failed': 'Met deze code is geen melding gevonden, of het lukt nu niet. Probeer het later opnieuw.',
		'case.state': 'Stand van zaken',
		'case.deadlines': 'Termijnen',
		'case.messages': 'Berichten',
		'case.nomessages': 'Nog geen berichten.',
		'from.reporter': 'U',
		'from.handler': 'Behandelaar',
		'from.system': 'Meldpunt',
		'message.label': 'Aanvullende informatie',
		'message.send': 'Versturen',
		'message.sent': 'Verstuurd.',
		'logout': 'Afsluiten',
		'error.generic': 'Er ging iets mis. Probeer het opnieuw.',
		'error.unknown_outcome': 'We weten niet of uw melding is aangekomen. Druk nogmaals op versturen: dezelfde melding gaat opnieuw, nooit twee keer.',
		'error.crypto': 'Uw browser kan deze melding niet versleutelen.',
		'error.keys': 'Uw melding is niet verstuurd. De sleutels van deze dienst zijn niet ondertekend door de beheerder, dus niemand kan garanderen dat alleen de behandelaar uw melding kan lezen. Probeer het later opnieuw of neem op een andere manier contact op.',
		'error.forms': 'Het formulier kon niet worden geladen.',
		'error.required': 'Vul dit veld in.',
		'error.category': 'Kies eerst een onderwerp.',
		'error.narrative': 'Beschrijf wat er gebeurde.',
		'error.toolong': 'De melding is te lang.',
		'attach.label': 'Bijlagen (niet verplicht)',
		'attach.help': 'Bijvoorbeeld een afwijzingsmail, een schermafbeelding of een foto van een brief. Hoogstens {n} bestanden van elk {max}.',
		'attach.privacy': 'Bestanden worden in uw browser versleuteld, net als uw melding. Bij foto\'s (JPEG, PNG) halen wij eerst gegevens als camera, tijdstip en locatie weg; bij andere bestanden (zoals PDF) blijft alles wat in het bestand zelf staat.',
		'attach.names': 'Stuur ook de bestandsnamen mee (versleuteld)',
		'attach.remove': 'Verwijderen',
		'attach.too_many': 'U kunt hoogstens {n} bestanden toevoegen.',
		'attach.too_large': '{name} is te groot (hoogstens {max}).',
		'attach.progress': 'Bijlage {i} van {n} wordt versleuteld en verstuurd: {pct}%',
		'attach.sent': 'Uw bijlagen zijn ontvangen ({n}).',
		'attach.failed': 'Uw melding is ontvangen, maar niet alle bijlagen: {n} aangekomen. Niet aangekomen: {names}. U kunt de behandelaar via "Mijn melding bekijken" laten weten dat er een bestand ontbreekt.',
		'lang.fallback': 'Dit formulier is niet beschikbaar in uw taal; het wordt in het Engels getoond.',
		'leave.key': 'Snel weg kan ook met de Esc-toets (tijdens het typen: twee keer Esc).',
		'sending.refresh': 'De sleutels van de dienst zijn net vernieuwd. We halen ze opnieuw op en versleutelen uw melding opnieuw…',
		'error.keys_changed': 'Uw melding is niet verstuurd: de sleutels van de dienst veranderden terwijl u bezig was. Uw tekst staat er nog. Druk over een minuut nogmaals op versturen.',
		'contact.title': 'Contactgegevens om u terug te bellen (niet verplicht)',
		'contact.urgent': 'Uw melding is dringend. Wilt u dat het spoedteam u bereikt? Vul dan eerst hier in hoe en wanneer het veilig is om u te bellen of te schrijven.',
		'contact.who': 'Alleen privacyfunctionarissen kunnen deze gegevens lezen, en pas nadat een behandelaar met een reden heeft gevraagd en een andere functionaris heeft ingestemd. U krijgt dat eerst te zien in uw inbox (met uw code). Ze worden in deze browser versleuteld. Laat ze leeg als u anoniem wilt blijven.',
		'contact.name': 'Naam of hoe wij u mogen aanspreken',
		'contact.name.help': 'Niet verplicht. Een voornaam of een verzonnen naam is ook goed.',
		'contact.phone': 'Telefoonnummer',
		'contact.phone.help': 'Niet verplicht.',
		'contact.email': 'E-mailadres',
		'contact.email.help': 'Niet verplicht. Alleen een adres dat anderen niet kunnen lezen.',
		'contact.note': 'Hoe en wanneer is het veilig om u te bellen of te schrijven?',
		'contact.note.help': 'In uw eigen woorden, bijvoorbeeld: "alleen na 22:00 uur", "spreek geen bericht in", "zeg dat u van school belt".',
		'contact.consent': 'Het spoedteam mag mij meteen bellen',
		'contact.consent.help': 'Dan kunnen de behandelaars van het spoedteam die uw melding behandelen deze gegevens meteen lezen, zonder te wachten op een functionaris. Elke keer dat zij ze lezen wordt vastgelegd, en uw inbox laat zien wanneer zij ze voor het eerst lazen. Zonder dit vinkje geldt alleen de weg hierboven.',
		'contact.consent.review': 'Spoedteam mag mij meteen bellen',
		'contact.toolong': 'Een van de contactvelden is te lang.',
		'contact.done.consent': 'Het spoedteam kan uw contactgegevens nu lezen; uw inbox laat zien wanneer zij ze gelezen hebben.',
		'contact.done.vault': 'Uw contactgegevens zijn versleuteld bewaard. Een privacyfunctionaris kan ze alleen na een verzoek lezen, en u hoort dat eerst in uw inbox.',
		'date.day': 'Dag',
		'date.month': 'Maand',
		'date.year': 'Jaar',
		'trust.contacts': 'Ook hier kunt u terecht',
		'trust.privacy': 'Privacyverklaring',
	},
	en: {
		'case.number': 'Case number',
		'case.number.help': 'Give this number when you phone us. It is not secret; your receipt code is: never tell it to anyone.',
		'case.received': 'Received on',
		'case.acknowledged': 'Receipt confirmed on',
		'deadline.first': 'First response from a handler by',
		'subtype.label': 'Which fits best?',
		'lang.label': 'Language',
		'leave': 'Leave quickly',
		'leave.hint': 'Closes this page at once and clears what you entered.',
		'danger.short': 'In immediate danger? Call 112.',
		'danger.title': 'Call 112 now',
		'danger.body': 'Is someone\'s life in immediate danger, yours or another person\'s? Call 112 now (police, fire, ambulance). This report does not replace that.',
		'title.report': 'Make a report',
		'intro': 'You can report anonymously here: discrimination in the labour market, unwanted foreign interference, and signs of honour-related violence. What you write is encrypted in your browser before it is sent.',
		'privacy': 'This page stores nothing on your device: no cookies, no storage, nothing in the address. A private window is best.',
		'step.category': '1. What is your report about?',
		'step.questions': '2. Questions',
		'step.narrative': '3. What happened?',
		'narrative.label': 'Describe in your own words what happened',
		'narrative.help': 'Leave out names or details you do not want to share. Only the handler can read this.',
		'optional': '(optional)',
		'choose': 'Choose…',
		'yes': 'Yes',
		'no': 'No',
		'review.button': 'Next: review',
		'review.title': '4. Check before sending',
		'review.encrypted': 'Encrypted — only the handler can read this',
		'review.clear': 'Not encrypted — used to route your report and for anonymous statistics',
		'review.none': '(nothing)',
		'back': 'Back to edit',
		'send': 'Encrypt and send',
		'sending': 'Encrypting and sending…',
		'pow.working': 'Your browser is doing a short calculation that protects this service against abuse…',
		'done.title': 'Your report has been received',
		'receipt.label': 'Your receipt code',
		'receipt.advice': 'Write this code down on paper now. With it you can read replies later and add information. We cannot show it again. Do not keep it on a shared device, in a photo or in a message.',
		'ack.label': 'Acknowledgement',
		'deadline.feedback': 'You will receive a response by',
		'deadline.ack': 'A case handler will look at your report by',
		'new.report': 'New report',
		'link.check': 'Check my report',
		'link.report': 'Make a report',
		'title.check': 'Check my report',
		'check.intro': 'Enter your receipt code to see the state of your report, its deadlines and messages.',
		'receipt.input': 'Receipt code (16 digits)',
		'receipt.bad': 'This code is not valid. Please check the digits.',
		'login': 'Open',
		'login.failed': 'No report was found with this code, or it is not possible right now. Please try again later.',
		'case.state': 'State',
		'case.deadlines': 'Deadlines',
		'case.messages': 'Messages',
		'case.nomessages': 'No messages yet.',
		'from.reporter': 'You',
		'from.handler': 'Handler',
		'from.system': 'Meldpunt',
		'message.label': 'Additional information',
		'message.send': 'Send',
		'message.sent': 'Sent.',
		'logout': 'Close',
		'error.generic': 'Something went wrong. Please try again.',
		'error.unknown_outcome': 'We cannot tell whether your report arrived. Press send again: the same report is sent again, never twice.',
		'error.crypto': 'Your browser cannot encrypt this report.',
		'error.keys': 'Your report was not sent. This service\'s encryption keys are not signed by its operator, so nobody can guarantee that only the case handler can read your report. Please try again later or get in touch another way.',
		'error.forms': 'The form could not be loaded.',
		'error.required': 'Please fill in this field.',
		'error.category': 'Please choose a subject first.',
		'error.narrative': 'Please describe what happened.',
		'error.toolong': 'The report is too long.',
		'attach.label': 'Attachments (optional)',
		'attach.help': 'For example a rejection e-mail, a screenshot or a photo of a letter. At most {n} files of {max} each.',
		'attach.privacy': 'Files are encrypted in your browser, like your report. From photos (JPEG, PNG) we first remove details such as camera, time and location; other files (such as PDF) keep whatever is inside them.',
		'attach.names': 'Also send the file names (encrypted)',
		'attach.remove': 'Remove',
		'attach.too_many': 'You can add at most {n} files.',
		'attach.too_large': '{name} is too large (at most {max}).',
		'attach.progress': 'Encrypting and sending attachment {i} of {n}: {pct}%',
		'attach.sent': 'Your attachments have been received ({n}).',
		'attach.failed': 'Your report has been received, but not every attachment: {n} arrived. Not arrived: {names}. You can tell the handler through "Check my report" that a file is missing.',
		'lang.fallback': 'This form is not available in your language; it is shown in English.',
		'leave.key': 'You can also leave quickly with the Esc key (while typing: press Esc twice).',
		'sending.refresh': "The service's keys were just renewed. Fetching them again and encrypting your report again…",
		'error.keys_changed': "Your report was not sent: the service's keys changed while you were writing. Your text is still here. Press send again in a minute.",
		'contact.title': 'Contact details for a call-back (optional)',
		'contact.urgent': 'Your report is urgent. If you want the urgent team to reach you, first say here how and when it is safe to call or write to you.',
		'contact.who': 'Only privacy officers can read these details, and only after a handler has asked with a reason and another officer has agreed. You are told first in your inbox (with your code). They are encrypted in this browser. Leave them empty to stay anonymous.',
		'contact.name': 'Name, or how we may address you',
		'contact.name.help': 'Optional. A first name or a made-up name is fine.',
		'contact.phone': 'Phone number',
		'contact.phone.help': 'Optional.',
		'contact.email': 'E-mail address',
		'contact.email.help': 'Optional. Only an address that others cannot read.',
		'contact.note': 'How and when is it safe to call or write to you?',
		'contact.note.help': 'In your own words, for example: "only after 10 pm", "do not leave a voicemail", "say you are calling from the school".',
		'contact.consent': 'The urgent team may call me right away',
		'contact.consent.help': 'Then the handlers of the urgent team who handle your report can read these details at once, without waiting for an officer. Every time they read them is recorded, and your inbox shows when they first did. Without this tick, only the route above applies.',
		'contact.consent.review': 'Urgent team may call me right away',
		'contact.toolong': 'One of the contact fields is too long.',
		'contact.done.consent': 'The urgent team can read your contact details now; your inbox shows when they have read them.',
		'contact.done.vault': 'Your contact details are stored encrypted. A privacy officer can read them only after a request, and you are told first in your inbox.',
		'date.day': 'Day',
		'date.month': 'Month',
		'date.year': 'Year',
		'trust.contacts': 'Other places to get help',
		'trust.privacy': 'Privacy statement',
	},
	tr: {
		'case.number': 'Dosya numarası',
		'case.number.help': 'Bizi aradığınızda bu numarayı söyleyin. Bu numara gizli değildir; makbuz kodunuz ise gizlidir: onu kimseye söylemeyin.',
		'case.received': 'Alındığı tarih',
		'case.acknowledged': 'Alındığı şu tarihte onaylandı:',
		'deadline.first': 'Görevliden ilk yanıt şu tarihe kadar:',
		'subtype.label': 'Hangisi en iyi uyuyor?',
		'lang.label': 'Dil',
		'leave': 'Hızlı çıkış',
		'leave.hint': 'Bu sayfayı hemen kapatır ve girdiklerinizi siler.',
		'danger.short': 'Acil tehlikede misiniz? 112\'yi arayın.',
		'danger.title': 'Şimdi 112\'yi arayın',
		'danger.body': 'Sizin ya da bir başkasının hayatı acil tehlikede mi? Şimdi 112\'yi arayın (polis, itfaiye, ambulans). Bu bildirim onun yerini tutmaz.',
		'title.report': 'Bildirimde bulunun',
		'intro': 'Burada anonim olarak bildirimde bulunabilirsiniz: iş piyasasında ayrımcılık, istenmeyen yabancı müdahale ve namus kaynaklı şiddet işaretleri. Yazdıklarınız gönderilmeden önce tarayıcınızda şifrelenir.',
		'privacy': 'Bu sayfa cihazınızda hiçbir şey saklamaz: çerez yok, depolama yok, adreste hiçbir şey yok. En iyisi gizli bir pencere kullanmaktır.',
		'step.category': '1. Bildiriminiz ne hakkında?',
		'step.questions': '2. Sorular',
		'step.narrative': '3. Ne oldu?',
		'narrative.label': 'Ne olduğunu kendi sözlerinizle anlatın',
		'narrative.help': 'Paylaşmak istemediğiniz isimleri veya bilgileri yazmayın. Bunu yalnızca görevli okuyabilir.',
		'optional': '(isteğe bağlı)',
		'choose': 'Seçin…',
		'yes': 'Evet',
		'no': 'Hayır',
		'review.button': 'İleri: kontrol edin',
		'review.title': '4. Göndermeden önce kontrol edin',
		'review.encrypted': 'Şifreli — bunu yalnızca görevli okuyabilir',
		'review.clear': 'Şifresiz — bildiriminizi doğru birime yönlendirmek ve anonim istatistik için',
		'review.none': '(hiçbir şey)',
		'back': 'Geri dön ve düzelt',
		'send': 'Şifrele ve gönder',
		'sending': 'Şifreleniyor ve gönderiliyor…',
		'pow.working': 'Tarayıcınız bu hizmeti kötüye kullanıma karşı koruyan kısa bir hesaplama yapıyor…',
		'done.title': 'Bildiriminiz alındı',
		'receipt.label': 'Bildirim kodunuz',
		'receipt.advice': 'Bu kodu şimdi kâğıda yazın. Bu kodla daha sonra yanıtları okuyabilir ve bilgi ekleyebilirsiniz. Kodu tekrar gösteremeyiz. Ortak kullanılan bir cihazda, fotoğrafta veya mesajda saklamayın.',
		'ack.label': 'Onay',
		'deadline.feedback': 'En geç şu tarihte yanıt alacaksınız:',
		'deadline.ack': 'Bir görevli bildiriminize en geç şu tarihte bakacak:',
		'new.report': 'Yeni bildirim',
		'link.check': 'Bildirimime bak',
		'link.report': 'Bildirimde bulun',
		'title.check': 'Bildirimime bak',
		'check.intro': 'Bildiriminizin durumunu, sürelerini ve mesajlarını görmek için kodunuzu girin.',
		'receipt.input': 'Bildirim kodu (16 rakam)',
		'receipt.bad': 'Bu kod geçerli değil. Rakamları kontrol edin.',
		'login': 'Aç',
		'login.failed': 'Bu kodla bir bildirim bulunamadı veya şu anda mümkün değil. Lütfen daha sonra tekrar deneyin.',
		'case.state': 'Durum',
		'case.deadlines': 'Süreler',
		'case.messages': 'Mesajlar',
		'case.nomessages': 'Henüz mesaj yok.',
		'from.reporter': 'Siz',
		'from.handler': 'Görevli',
		'from.system': 'Meldpunt',
		'message.label': 'Ek bilgi',
		'message.send': 'Gönder',
		'message.sent': 'Gönderildi.',
		'logout': 'Kapat',
		'error.generic': 'Bir sorun oluştu. Lütfen tekrar deneyin.',
		'error.unknown_outcome': 'Bildiriminizin ulaşıp ulaşmadığını bilemiyoruz. Tekrar gönder\'e basın: aynı bildirim yeniden gönderilir, asla iki kez kaydedilmez.',
		'error.crypto': 'Tarayıcınız bu bildirimi şifreleyemiyor.',
		'error.keys': 'Bildiriminiz gönderilmedi. Bu hizmetin şifreleme anahtarları işletmecisi tarafından imzalanmamış; bu nedenle bildiriminizi yalnızca yetkili kişinin okuyabileceği garanti edilemez. Lütfen daha sonra tekrar deneyin veya başka bir yolla iletişime geçin.',
		'error.forms': 'Form yüklenemedi.',
		'error.required': 'Lütfen bu alanı doldurun.',
		'error.category': 'Lütfen önce bir konu seçin.',
		'error.narrative': 'Lütfen ne olduğunu anlatın.',
		'error.toolong': 'Bildirim çok uzun.',
		'attach.label': 'Ekler (isteğe bağlı)',
		'attach.help': 'Örneğin bir ret e-postası, bir ekran görüntüsü veya bir mektubun fotoğrafı. En fazla {n} dosya, her biri en fazla {max}.',
		'attach.privacy': 'Dosyalar, bildiriminiz gibi tarayıcınızda şifrelenir. Fotoğraflardan (JPEG, PNG) önce kamera, zaman ve konum gibi bilgileri kaldırırız; diğer dosyalar (PDF gibi) içlerinde ne varsa onu korur.',
		'attach.names': 'Dosya adlarını da gönder (şifreli)',
		'attach.remove': 'Kaldır',
		'attach.too_many': 'En fazla {n} dosya ekleyebilirsiniz.',
		'attach.too_large': '{name} çok büyük (en fazla {max}).',
		'attach.progress': 'Ek {i} / {n} şifreleniyor ve gönderiliyor: %{pct}',
		'attach.sent': 'Ekleriniz alındı ({n}).',
		'attach.failed': 'Bildiriminiz alındı, ancak eklerin hepsi değil: {n} ulaştı. Ulaşmayanlar: {names}. "Bildirimime bak" üzerinden sorumluya bir dosyanın eksik olduğunu bildirebilirsiniz.',
		'lang.fallback': 'Bu form sizin dilinizde mevcut değil; İngilizce gösteriliyor.',
		'leave.key': 'Esc tuşuyla da hızla çıkabilirsiniz (yazarken: Esc tuşuna iki kez basın).',
		'sending.refresh': 'Hizmetin anahtarları az önce yenilendi. Anahtarlar yeniden alınıyor ve bildiriminiz yeniden şifreleniyor…',
		'error.keys_changed': "Bildiriminiz gönderilmedi: siz yazarken hizmetin anahtarları değişti. Metniniz hâlâ burada. Bir dakika sonra tekrar gönder'e basın.",
		'contact.title': 'Geri arama için iletişim bilgileri (zorunlu değil)',
		'contact.urgent': 'Bildiriminiz acil. Acil ekibin size ulaşmasını istiyorsanız, önce burada sizi aramanın veya size yazmanın ne zaman ve nasıl güvenli olduğunu yazın.',
		'contact.who': 'Bu bilgileri yalnızca gizlilik sorumluları okuyabilir; bunun için de bir görevlinin gerekçeyle istemesi ve başka bir sorumlunun onaylaması gerekir. Bunu önce gelen kutunuzda (kodunuzla) görürsünüz. Bilgiler bu tarayıcıda şifrelenir. Anonim kalmak için boş bırakın.',
		'contact.name': 'Adınız veya size nasıl hitap edelim',
		'contact.name.help': 'Zorunlu değil. Bir ön ad veya takma ad da olur.',
		'contact.phone': 'Telefon numarası',
		'contact.phone.help': 'Zorunlu değil.',
		'contact.email': 'E-posta adresi',
		'contact.email.help': 'Zorunlu değil. Yalnızca başkalarının okuyamadığı bir adres.',
		'contact.note': 'Sizi aramak veya size yazmak ne zaman ve nasıl güvenli?',
		'contact.note.help': 'Kendi sözlerinizle, örneğin: "sadece saat 22:00\'den sonra", "sesli mesaj bırakmayın", "okuldan aradığınızı söyleyin".',
		'contact.consent': 'Acil ekip beni hemen arayabilir',
		'contact.consent.help': 'Bu durumda bildiriminizle ilgilenen acil ekip görevlileri, bir sorumluyu beklemeden bu bilgileri hemen okuyabilir. Her okuma kaydedilir ve gelen kutunuz ilk ne zaman okunduğunu gösterir. Bu işaret olmadan yalnızca yukarıdaki yol geçerlidir.',
		'contact.consent.review': 'Acil ekip beni hemen arayabilir',
		'contact.toolong': 'İletişim alanlarından biri çok uzun.',
		'contact.done.consent': 'Acil ekip iletişim bilgilerinizi şimdi okuyabilir; gelen kutunuz ne zaman okunduğunu gösterir.',
		'contact.done.vault': 'İletişim bilgileriniz şifreli olarak saklandı. Bir gizlilik sorumlusu bunları yalnızca bir talepten sonra okuyabilir ve bunu önce gelen kutunuzda görürsünüz.',
		'date.day': 'Gün',
		'date.month': 'Ay',
		'date.year': 'Yıl',
		'trust.contacts': 'Yardım alabileceğiniz başka yerler',
		'trust.privacy': 'Gizlilik bildirimi',
	},
	ar: {
		'case.number': 'رقم الملف',
		'case.number.help': 'اذكر هذا الرقم عندما تتصل بنا. هذا الرقم ليس سريًا، أما رمز الإيصال فهو سري: لا تخبر به أحدًا.',
		'case.received': 'تاريخ الاستلام',
		'case.acknowledged': 'تم تأكيد الاستلام في',
		'deadline.first': 'أول رد من الموظف المسؤول قبل',
		'subtype.label': 'ما الأنسب لحالتك؟',
		'lang.label': 'اللغة',
		'leave': 'خروج سريع',
		'leave.hint': 'يغلق هذه الصفحة فورًا ويمسح ما أدخلته.',
		'danger.short': 'في خطر داهم؟ اتصل بالرقم 112.',
		'danger.title': 'اتصل الآن بالرقم 112',
		'danger.body': 'هل حياتك أو حياة شخص آخر في خطر داهم؟ اتصل الآن بالرقم 112 (الشرطة، الإطفاء، الإسعاف). هذا البلاغ لا يغني عن ذلك.',
		'title.report': 'قدّم بلاغًا',
		'intro': 'يمكنك هنا تقديم بلاغ دون الكشف عن هويتك: التمييز في سوق العمل، والتدخل الأجنبي غير المرغوب فيه، وعلامات العنف المرتبط بالشرف. يُشفَّر ما تكتبه في متصفحك قبل إرساله.',
		'privacy': 'لا تحفظ هذه الصفحة أي شيء على جهازك: لا ملفات تعريف ارتباط، ولا تخزين، ولا شيء في العنوان. يُفضّل استخدام نافذة خاصة.',
		'step.category': '1. عمّ يتحدث بلاغك؟',
		'step.questions': '2. أسئلة',
		'step.narrative': '3. ماذا حدث؟',
		'narrative.label': 'صف بكلماتك ما حدث',
		'narrative.help': 'لا تذكر أسماء أو تفاصيل لا تريد مشاركتها. لا يستطيع قراءة هذا إلا الموظف المسؤول.',
		'optional': '(اختياري)',
		'choose': 'اختر…',
		'yes': 'نعم',
		'no': 'لا',
		'review.button': 'التالي: المراجعة',
		'review.title': '4. راجع قبل الإرسال',
		'review.encrypted': 'مشفّر — لا يستطيع قراءته إلا الموظف المسؤول',
		'review.clear': 'غير مشفّر — لتوجيه بلاغك إلى الجهة الصحيحة وللإحصاءات المجهولة',
		'review.none': '(لا شيء)',
		'back': 'رجوع وتعديل',
		'send': 'شفّر وأرسل',
		'sending': 'جارٍ التشفير والإرسال…',
		'pow.working': 'يُجري متصفحك عملية حسابية قصيرة تحمي هذه الخدمة من إساءة الاستخدام…',
		'done.title': 'تم استلام بلاغك',
		'receipt.label': 'رمز بلاغك',
		'receipt.advice': 'اكتب هذا الرمز الآن على ورقة. بهذا الرمز يمكنك لاحقًا قراءة الردود وإضافة معلومات. لا يمكننا عرضه مرة أخرى. لا تحفظه على جهاز مشترك ولا في صورة ولا في رسالة.',
		'ack.label': 'إشعار الاستلام',
		'deadline.feedback': 'ستتلقى ردًا في موعد أقصاه',
		'deadline.ack': 'سينظر موظف مختص في بلاغك في موعد أقصاه',
		'new.report': 'بلاغ جديد',
		'link.check': 'الاطلاع على بلاغي',
		'link.report': 'تقديم بلاغ',
		'title.check': 'الاطلاع على بلاغي',
		'check.intro': 'أدخل رمز بلاغك لترى حالته ومواعيده والرسائل.',
		'receipt.input': 'رمز البلاغ (16 رقمًا)',
		'receipt.bad': 'هذا الرمز غير صحيح. تحقّق من الأرقام.',
		'login': 'فتح',
		'login.failed': 'لم يُعثر على بلاغ بهذا الرمز، أو أن ذلك غير ممكن الآن. حاول مرة أخرى لاحقًا.',
		'case.state': 'الحالة',
		'case.deadlines': 'المواعيد',
		'case.messages': 'الرسائل',
		'case.nomessages': 'لا توجد رسائل بعد.',
		'from.reporter': 'أنت',
		'from.handler': 'الموظف المسؤول',
		'from.system': 'Meldpunt',
		'message.label': 'معلومات إضافية',
		'message.send': 'إرسال',
		'message.sent': 'تم الإرسال.',
		'logout': 'إغلاق',
		'error.generic': 'حدث خطأ. حاول مرة أخرى.',
		'error.unknown_outcome': 'لا نعرف ما إذا كان بلاغك قد وصل. اضغط إرسال مرة أخرى: يُرسل البلاغ نفسه مجدداً، ولا يُحفظ مرتين.',
		'error.crypto': 'لا يستطيع متصفحك تشفير هذا البلاغ.',
		'error.keys': 'لم يُرسَل بلاغك. مفاتيح التشفير لهذه الخدمة غير موقّعة من الجهة المشغّلة، لذلك لا يمكن ضمان أن يقرأ بلاغك المسؤول عن الملف وحده. حاول مرة أخرى لاحقًا أو تواصل معنا بطريقة أخرى.',
		'error.forms': 'تعذّر تحميل النموذج.',
		'error.required': 'يرجى ملء هذا الحقل.',
		'error.category': 'اختر موضوعًا أولًا.',
		'error.narrative': 'يرجى وصف ما حدث.',
		'error.toolong': 'البلاغ طويل جدًا.',
		'attach.label': 'مرفقات (اختياري)',
		'attach.help': 'مثلاً رسالة رفض بالبريد الإلكتروني، أو لقطة شاشة، أو صورة لرسالة. {n} ملفات كحد أقصى، كل منها حتى {max}.',
		'attach.privacy': 'تُشفَّر الملفات في متصفحك، مثل بلاغك. من الصور (JPEG وPNG) نزيل أولاً بيانات مثل الكاميرا والوقت والموقع؛ أما الملفات الأخرى (مثل PDF) فتبقى بكل ما بداخلها.',
		'attach.names': 'أرسل أسماء الملفات أيضاً (مشفرة)',
		'attach.remove': 'إزالة',
		'attach.too_many': 'يمكنك إضافة {n} ملفات كحد أقصى.',
		'attach.too_large': '{name} كبير جداً (الحد الأقصى {max}).',
		'attach.progress': 'جارٍ تشفير وإرسال المرفق {i} من {n}: {pct}٪',
		'attach.sent': 'تم استلام مرفقاتك ({n}).',
		'attach.failed': 'تم استلام بلاغك، لكن ليس كل المرفقات: وصل {n}. لم يصل: {names}. يمكنك إبلاغ المسؤول عبر "الاطلاع على بلاغي" بأن ملفاً ناقصاً.',
		'lang.fallback': 'هذا النموذج غير متوفر بلغتك؛ يُعرض بالإنجليزية.',
		'leave.key': 'يمكنك أيضًا المغادرة بسرعة بمفتاح Esc (أثناء الكتابة: اضغط Esc مرتين).',
		'sending.refresh': 'جُدّدت مفاتيح الخدمة للتو. نجلبها من جديد ونعيد تشفير بلاغك…',
		'error.keys_changed': 'لم يُرسَل بلاغك: تغيّرت مفاتيح الخدمة أثناء كتابتك. نصك لا يزال هنا. اضغط إرسال مرة أخرى بعد دقيقة.',
		'contact.title': 'بيانات الاتصال لمعاودة الاتصال بك (اختياري)',
		'contact.urgent': 'بلاغك عاجل. إذا كنت تريد أن يصل إليك فريق الطوارئ، فاكتب هنا أولاً كيف ومتى يكون الاتصال بك أو مراسلتك آمنًا.',
		'contact.who': 'لا يستطيع قراءة هذه البيانات إلا مسؤولو حماية الخصوصية، وفقط بعد أن يطلبها موظف مختص مع ذكر السبب ويوافق مسؤول آخر. ستُبلَّغ بذلك أولاً في صندوق رسائلك (برمزك). تُشفَّر البيانات في هذا المتصفح. اتركها فارغة إذا أردت البقاء مجهول الهوية.',
		'contact.name': 'الاسم، أو كيف نخاطبك',
		'contact.name.help': 'اختياري. يكفي الاسم الأول أو اسم مستعار.',
		'contact.phone': 'رقم الهاتف',
		'contact.phone.help': 'اختياري.',
		'contact.email': 'عنوان البريد الإلكتروني',
		'contact.email.help': 'اختياري. فقط عنوان لا يستطيع الآخرون قراءته.',
		'contact.note': 'كيف ومتى يكون الاتصال بك أو مراسلتك آمنًا؟',
		'contact.note.help': 'بكلماتك الخاصة، مثلاً: "فقط بعد الساعة العاشرة مساءً"، "لا تترك رسالة صوتية"، "قل إنك تتصل من المدرسة".',
		'contact.consent': 'يمكن لفريق الطوارئ الاتصال بي فورًا',
		'contact.consent.help': 'عندها يستطيع موظفو فريق الطوارئ الذين يتابعون بلاغك قراءة هذه البيانات فورًا دون انتظار مسؤول. تُسجَّل كل مرة يقرؤونها، ويُظهر صندوق رسائلك متى قرأوها لأول مرة. بدون هذه العلامة لا ينطبق إلا الطريق المذكور أعلاه.',
		'contact.consent.review': 'يمكن لفريق الطوارئ الاتصال بي فورًا',
		'contact.toolong': 'أحد حقول الاتصال طويل جدًا.',
		'contact.done.consent': 'يستطيع فريق الطوارئ الآن قراءة بيانات الاتصال الخاصة بك؛ يُظهر صندوق رسائلك متى قرأوها.',
		'contact.done.vault': 'حُفظت بيانات الاتصال الخاصة بك مشفرة. لا يستطيع مسؤول حماية الخصوصية قراءتها إلا بعد طلب، وستُبلَّغ بذلك أولاً في صندوق رسائلك.',
		'date.day': 'اليوم',
		'date.month': 'الشهر',
		'date.year': 'السنة',
		'trust.contacts': 'جهات أخرى يمكنك طلب المساعدة منها',
		'trust.privacy': 'بيان الخصوصية',
	},
	ti: {
		'case.received': 'ዝተቐበልናሉ ዕለት',
		'case.acknowledged': 'ምብጻሑ ዝተረጋገጸሉ ዕለት',
		'deadline.first': 'ቀዳማይ መልሲ ካብ ሰራሕተኛ ጉዳይ ቅድሚ',
		'subtype.label': 'ኣየናይ እዩ ዝበለጸ ዝገልጾ?',
		'lang.label': 'ቋንቋ',
		'leave': 'ብቕልጡፍ ውጹ',
		'leave.hint': 'ነዚ ገጽ ብቕጽበት ይዓጽዎ፣ ዝመላእኩሞ ድማ ይድምስሶ።',
		'danger.short': 'ኣብ ቅጽበታዊ ሓደጋ ዶ ኣለኹም? ናብ 112 ደውሉ።',
		'danger.title': 'ሕጂ ናብ 112 ደውሉ',
		'danger.body': 'ሂወትኩም ወይ ሂወት ካልእ ሰብ ኣብ ቅጽበታዊ ሓደጋ ድያ ዘላ? ሕጂ ናብ 112 ደውሉ (ፖሊስ፣ ሓዊ ዘጥፍኡ፣ ኣምቡላንስ)። እዚ ጸብጻብ ነዚ ኣይትክኦን።',
		'title.report': 'ጸብጻብ ኣቕርቡ',
		'intro': 'ኣብዚ ስምኩም ከይገለጽኩም ጸብጻብ ከተቕርቡ ትኽእሉ ኢኹም፦ ኣብ ዕዳጋ ስራሕ ኣድልዎ፣ ዘይተደልየ ጣልቃ ኣታውነት ወጻኢ ሃገር፣ ከምኡ\'ውን ምልክታት ምስ ክብሪ ዝተተሓሓዘ ዓመጽ። ዝጸሓፍኩሞ ቅድሚ ምልኣኹ ኣብ ብራውዘርኩም ይምስጠር።',
		'privacy': 'እዚ ገጽ ኣብ መሳርሒኹም ዋላ ሓንቲ ኣይዕቅብን፦ ኩኪስ የለን፣ መኽዘን የለን፣ ኣብቲ ኣድራሻ ድማ ዋላ ሓንቲ የለን። ብሕታዊ መስኮት (private window) እንተ ተጠቐምኩም ይበልጽ።',
		'step.category': '1. ጸብጻብኩም ብዛዕባ እንታይ እዩ?',
		'step.questions': '2. ሕቶታት',
		'step.narrative': '3. እንታይ ተፈጺሙ?',
		'narrative.label': 'እንታይ ከም ዝተፈጸመ ብቓላትኩም ግለጹ',
		'narrative.help': 'ከተካፍልዎ ዘይትደልዩ ኣስማት ወይ ዝርዝራት ኣይትጽሓፉ። እዚ ክንብቦ ዝኽእል እቲ ሰራሕተኛ ጉዳይ ጥራይ እዩ።',
		'optional': '(ግዴታ ኣይኮነን)',
		'choose': 'ምረጹ…',
		'yes': 'እወ',
		'no': 'ኣይፋል',
		'review.button': 'ቀጽሉ፦ ኣረጋግጹ',
		'review.title': '4. ቅድሚ ምልኣኽኩም ኣረጋግጹ',
		'review.encrypted': 'ዝተመስጠረ — ክንብቦ ዝኽእል እቲ ሰራሕተኛ ጉዳይ ጥራይ እዩ',
		'review.clear': 'ዘይተመስጠረ — ጸብጻብኩም ናብ ቅኑዕ ክፍሊ ንምብጻሕን ስም ዘይብሉ ስታቲስቲክስን',
		'review.none': '(ዋላ ሓንቲ)',
		'back': 'ተመለሱ እሞ ኣመሓይሹ',
		'send': 'መስጥሩ እሞ ስደዱ',
		'sending': 'ይምስጠርን ይለኣኽን ኣሎ…',
		'done.title': 'ጸብጻብኩም በጺሑና ኣሎ',
		'receipt.label': 'ኮድ ጸብጻብኩም',
		'receipt.advice': 'ነዚ ኮድ ሕጂ ኣብ ወረቐት ጽሓፍዎ። ብእኡ ጸኒሕኩም መልስታት ከተንብቡን ሓበሬታ ክትውስኹን ትኽእሉ ኢኹም። ንሕና እንደገና ከነርእየኩም ኣይንኽእልን። ኣብ ብዙሓት ዝጥቀምሉ መሳርሒ፣ ኣብ ስእሊ ወይ ኣብ መልእኽቲ ኣይተቐምጥዎ።',
		'ack.label': 'ምርግጋጽ ምብጻሕ',
		'deadline.feedback': 'መልሲ ክትረኽቡ ኢኹም ቅድሚ',
		'deadline.ack': 'ምብጻሑ ክረጋገጽ እዩ ቅድሚ',
		'new.report': 'ሓድሽ ጸብጻብ',
		'link.check': 'ጸብጻበይ ንምርኣይ',
		'link.report': 'ጸብጻብ ንምቕራብ',
		'title.check': 'ጸብጻበይ ምርኣይ',
		'check.intro': 'ኩነታት ጸብጻብኩም፣ ግዜ ገደባትን መልእኽትታትን ንምርኣይ ኮድ ጸብጻብኩም ኣእትዉ።',
		'receipt.input': 'ኮድ ጸብጻብ (16 ኣሃዛት)',
		'receipt.bad': 'እዚ ኮድ ቅኑዕ ኣይኮነን። ነቶም ኣሃዛት ኣረጋግጹ።',
		'login': 'ክፈቱ',
		'login.failed': 'ብዚ ኮድ ጸብጻብ ኣይተረኽበን፣ ወይ ሕጂ ኣይከኣልን። በጃኹም ጸኒሕኩም እንደገና ፈትኑ።',
		'case.state': 'ኩነታት',
		'case.deadlines': 'ግዜ ገደባት',
		'case.messages': 'መልእኽትታት',
		'case.nomessages': 'ገና መልእኽቲ የለን።',
		'from.reporter': 'ንስኹም',
		'from.handler': 'ሰራሕተኛ ጉዳይ',
		'from.system': 'Meldpunt',
		'message.label': 'ተወሳኺ ሓበሬታ',
		'message.send': 'ስደዱ',
		'message.sent': 'ተላኢኹ።',
		'logout': 'ዕጸዉ',
		'error.generic': 'ጌጋ ኣጋጢሙ። በጃኹም እንደገና ፈትኑ።',
		'error.unknown_outcome': 'ጸብጻብኩም በጺሑ እንተሎ ክንፈልጥ ኣይከኣልናን። «ስደዱ» እንደገና ጠውቑ፦ እቲ ሓደ ጸብጻብ እንደገና ይለኣኽ፣ ክልተ ግዜ ግን ኣይዕቀብን።',
		'error.crypto': 'ብራውዘርኩም ነዚ ጸብጻብ ክምስጥሮ ኣይክእልን።',
		'error.keys': 'ጸብጻብኩም ኣይተላእከን። መፍትሕ ምምስጣር ናይዚ ኣገልግሎት ብወሃቢ ኣገልግሎት ኣይተፈረመን፣ ስለዚ ጸብጻብኩም ክንብቦ ዝኽእል እቲ ሰራሕተኛ ጉዳይ ጥራይ ምዃኑ ዝውሕስ የለን። በጃኹም ጸኒሕኩም እንደገና ፈትኑ ወይ ብኻልእ መንገዲ ርኸቡና።',
		'error.forms': 'እቲ ቅጥዒ ክጽዓን ኣይከኣለን።',
		'error.required': 'በጃኹም ነዚ ዓንቀጽ ምልእዎ።',
		'error.category': 'በጃኹም ቅድም ኣርእስቲ ምረጹ።',
		'error.narrative': 'በጃኹም እንታይ ከም ዝተፈጸመ ግለጹ።',
		'error.toolong': 'እቲ ጸብጻብ ኣዝዩ ነዊሕ እዩ።',
		'lang.fallback': 'እዚ ቅጥዒ ብቋንቋኹም የለን፤ ብእንግሊዝኛ ይርአ ኣሎ።',
		'date.day': 'መዓልቲ',
		'date.month': 'ወርሒ',
		'date.year': 'ዓመት',
		'trust.contacts': 'ሓገዝ ክትረኽቡሎም እትኽእሉ ካልኦት ቦታታት',
		'trust.privacy': 'መግለጺ ብሕትውና',
		'contact.title': 'ንምድዋልኩም ኣድራሻ ርክብ (ግዴታ ኣይኮነን)',
		'contact.urgent': 'ጸብጻብኩም ህጹጽ እዩ። ጉጅለ ህጹጽ ኣገልግሎት ክረኽበኩም እንተደሊኹም፣ ቅድም መዓስን ብኸመይን ክድውለልኩም ወይ ክጽሕፈልኩም ውሑስ ምዃኑ ኣብዚ ጽሓፉ።',
		'contact.who': 'እዚ ሓበሬታ ክንብብዎ ዝኽእሉ ሓለፍቲ ብሕትውና ጥራይ እዮም፣ ሓደ ሰራሕተኛ ጉዳይ ምኽንያት ሒዙ ምስ ሓተተን ካልእ ሓላፊ ምስ ተሰማምዐን ጥራይ። ቅድም ኣብ ሳጹን መልእኽትኹም (ብኮድኩም) ክሕበረኩም እዩ። ኣብዚ ብራውዘር ይምስጠር። ስምኩም ከይተገልጸ ክትጸንሑ እንተደሊኹም ባዶ ግደፍዎ።',
		'contact.name': 'ስም፣ ወይ ብኸመይ ክንጽውዓኩም ከም እንኽእል',
		'contact.name.help': 'ግዴታ ኣይኮነን። ቀዳማይ ስም ወይ ዝተፈጥረ ስም እውን ይኣክል።',
		'contact.phone': 'ቁጽሪ ተሌፎን',
		'contact.phone.help': 'ግዴታ ኣይኮነን።',
		'contact.email': 'ኣድራሻ ኢመይል',
		'contact.email.help': 'ግዴታ ኣይኮነን። ካልኦት ክንብብዎ ዘይክእሉ ኣድራሻ ጥራይ።',
		'contact.note': 'መዓስን ብኸመይን ክንድውለልኩም ወይ ክንጽሕፈልኩም ውሑስ እዩ?',
		'contact.note.help': 'ብቓላትኩም፣ ንኣብነት፦ «ድሕሪ ሰዓት 10 ምሸት ጥራይ»፣ «ድምጻዊ መልእኽቲ ኣይትግደፉ»፣ «ካብ ቤት ትምህርቲ ከም ዝደወልኩም ብሉ»።',
		'contact.consent': 'ጉጅለ ህጹጽ ኣገልግሎት ብቕጽበት ክድውለለይ ይኽእል',
		'contact.consent.help': 'ሽዑ እቶም ነቲ ጸብጻብኩም ዝከታተሉ ሰራሕተኛታት ጉጅለ ህጹጽ ኣገልግሎት፣ ሓላፊ ከይተጸበዩ፣ ነዚ ሓበሬታ ብቕጽበት ከንብብዎ ይኽእሉ። ዘንበብዎ ነፍሲ ወከፍ ግዜ ይምዝገብ፣ ሳጹን መልእኽትኹም ድማ መዓስ ንመጀመርታ ከም ዘንበብዎ የርእየኩም። ብዘይ እዚ ምልክት፣ እቲ ኣብ ላዕሊ ዘሎ መንገዲ ጥራይ ይሰርሕ።',
		'contact.consent.review': 'ጉጅለ ህጹጽ ኣገልግሎት ብቕጽበት ክድውለለይ ፍቓደኛ እየ',
		'contact.toolong': 'ሓደ ካብ ዓንቀጻት ርክብ ኣዝዩ ነዊሕ እዩ።',
		'contact.done.consent': 'ጉጅለ ህጹጽ ኣገልግሎት ሕጂ ኣድራሻ ርክብኩም ከንብቦ ይኽእል፤ መዓስ ከም ዘንበብዎ ሳጹን መልእኽትኹም የርእየኩም።',
		'contact.done.vault': 'ኣድራሻ ርክብኩም ተመስጢሩ ተዓቂቡ ኣሎ። ሓላፊ ብሕትውና ክንብቦ ዝኽእል ድሕሪ ሕቶ ጥራይ እዩ፣ ቅድም ድማ ኣብ ሳጹን መልእኽትኹም ክሕበረኩም እዩ።',
		'attach.label': 'ተተሓሒዝቲ (ግዴታ ኣይኮነን)',
		'attach.help': 'ንኣብነት፦ ናይ ምንጻግ ኢመይል፣ ስእሊ ስክሪን ወይ ስእሊ ደብዳበ። ብዝበዝሐ {n} ፋይላት፣ ነፍሲ ወከፎም ክሳብ {max}።',
		'attach.privacy': 'ፋይላት ከም ጸብጻብኩም ኣብ ብራውዘርኩም ይምስጠሩ። ካብ ስእልታት (JPEG፣ PNG) ቅድም ከም ካሜራ፣ ግዜን ቦታን ዝኣመሰሉ ዝርዝራት ነውጽእ፤ ካልኦት ፋይላት (ከም PDF) ዝሓዝዎ ኩሉ ከም ዘለዎ ይጸንሕ።',
		'attach.names': 'ኣስማት ፋይላት እውን ስደዱ (ተመስጢሮም)',
		'attach.remove': 'ኣልግሱ',
		'attach.too_many': 'ብዝበዝሐ {n} ፋይላት ክትውስኹ ትኽእሉ ኢኹም።',
		'attach.too_large': '{name} ኣዝዩ ዓቢ እዩ (ብዝበዝሐ {max})።',
		'attach.progress': 'ተተሓሒዝ {i} ካብ {n} ይምስጠርን ይለኣኽን ኣሎ፦ {pct}%',
		'attach.sent': 'ተተሓሒዝትኹም በጺሖምና ኣለዉ ({n})።',
		'attach.failed': 'ጸብጻብኩም በጺሑና ኣሎ፣ ኩሎም ተተሓሒዝቲ ግን ኣይበጽሑን፦ {n} በጺሖም። ዘይበጽሑ፦ {names}። ብ«ጸብጻበይ ንምርኣይ» ኣቢልኩም ሓደ ፋይል ከም ዝጎደለ ነቲ ሰራሕተኛ ጉዳይ ክትሕብሩ ትኽእሉ ኢኹም።',
		'leave.key': 'ብ Esc መጠወቒ እውን ብቕልጡፍ ክትወጹ ትኽእሉ ኢኹም (ክትጽሕፉ ከለኹም፦ ክልተ ግዜ Esc)።',
		'sending.refresh': 'መፍትሕታት እዚ ኣገልግሎት ሕጂ ተሓዲሶም። እንደገና ነምጽኦም እሞ ጸብጻብኩም እንደገና ንምስጥሮ ኣለና…',
		'error.keys_changed': 'ጸብጻብኩም ኣይተላእከን፦ ክትጽሕፉ ከለኹም መፍትሕታት እዚ ኣገልግሎት ተቐይሮም። ጽሑፍኩም ኣብዚ ኣሎ። ድሕሪ ሓንቲ ደቒቕ እንደገና «ስደዱ» ጠውቑ።',
		'pow.working': 'ብራውዘርኩም ነዚ ኣገልግሎት ካብ ምጥቃዕ ዝከላኸል ሓጺር ሕሳብ ይገብር ኣሎ…',
		'case.number': 'ቁጽሪ ጉዳይ',
		'case.number.help': 'ክትድውሉልና ከለኹም ነዚ ቁጽሪ ሃቡ። ምስጢር ኣይኮነን፤ ኮድ ጸብጻብኩም ግን ምስጢር እዩ፦ ንማንም ኣይትንገሩ።',
	},
	zh: {
		'case.received': '收到日期',
		'case.acknowledged': '确认收到日期',
		'deadline.first': '个案处理人员首次回复的期限',
		'subtype.label': '哪一项最符合您的情况？',
		'lang.label': '语言',
		'leave': '快速离开',
		'leave.hint': '立即关闭此页面，并清除您填写的内容。',
		'danger.short': '处于紧迫危险中？请拨打 112。',
		'danger.title': '请立即拨打 112',
		'danger.body': '您或他人的生命是否处于紧迫危险之中？请立即拨打 112（警察、消防、救护车）。这份报告不能代替报警。',
		'title.report': '提交报告',
		'intro': '您可以在这里匿名报告：劳动力市场中的歧视、不受欢迎的外国干涉，以及与名誉相关的暴力迹象。您写的内容在发送之前就会在您的浏览器中加密。',
		'privacy': '此页面不会在您的设备上保存任何东西：没有 cookie，没有本地存储，网址中也没有任何内容。最好使用隐私（无痕）窗口。',
		'step.category': '1. 您的报告是关于什么的？',
		'step.questions': '2. 问题',
		'step.narrative': '3. 发生了什么？',
		'narrative.label': '请用您自己的话描述发生了什么',
		'narrative.help': '不想透露的姓名或细节可以不写。只有个案处理人员能阅读这些内容。',
		'optional': '（选填）',
		'choose': '请选择…',
		'yes': '是',
		'no': '否',
		'review.button': '下一步：核对',
		'review.title': '4. 发送前请核对',
		'review.encrypted': '已加密 — 只有个案处理人员能阅读',
		'review.clear': '未加密 — 用于把报告转到正确的部门，以及匿名统计',
		'review.none': '（无）',
		'back': '返回修改',
		'send': '加密并发送',
		'sending': '正在加密并发送…',
		'done.title': '我们已收到您的报告',
		'receipt.label': '您的报告代码',
		'receipt.advice': '请现在就把这个代码写在纸上。以后您可以用它阅读回复和补充信息。我们无法再次显示这个代码。不要把它保存在与他人共用的设备上，也不要拍照或放在消息里。',
		'ack.label': '收到确认',
		'deadline.feedback': '您最迟将在此日期前收到答复',
		'deadline.ack': '确认收到的期限',
		'new.report': '新的报告',
		'link.check': '查看我的报告',
		'link.report': '提交报告',
		'title.check': '查看我的报告',
		'check.intro': '输入您的报告代码，查看报告的处理状态、期限和消息。',
		'receipt.input': '报告代码（16 位数字）',
		'receipt.bad': '这个代码无效。请检查数字。',
		'login': '打开',
		'login.failed': '找不到与此代码对应的报告，或者现在暂时无法查询。请稍后再试。',
		'case.state': '处理状态',
		'case.deadlines': '期限',
		'case.messages': '消息',
		'case.nomessages': '还没有消息。',
		'from.reporter': '您',
		'from.handler': '个案处理人员',
		'from.system': 'Meldpunt',
		'message.label': '补充信息',
		'message.send': '发送',
		'message.sent': '已发送。',
		'logout': '关闭',
		'error.generic': '出了点问题。请再试一次。',
		'error.unknown_outcome': '我们无法确定您的报告是否已送达。请再按一次“发送”：发送的是同一份报告，绝不会保存两次。',
		'error.crypto': '您的浏览器无法加密这份报告。',
		'error.keys': '您的报告没有发送。此服务的加密密钥没有经过运营方签名，因此无法保证只有个案处理人员能阅读您的报告。请稍后再试，或通过其他方式联系我们。',
		'error.forms': '无法加载表单。',
		'error.required': '请填写此项。',
		'error.category': '请先选择一个主题。',
		'error.narrative': '请描述发生了什么。',
		'error.toolong': '报告太长了。',
		'lang.fallback': '此表单没有您的语言版本；现以英文显示。',
		'date.day': '日',
		'date.month': '月',
		'date.year': '年',
		'trust.contacts': '其他求助渠道',
		'trust.privacy': '隐私声明',
		'contact.title': '回电用的联系方式（选填）',
		'contact.urgent': '您的报告是紧急的。如果您希望紧急小组联系您，请先在这里写明什么时间、用什么方式给您打电话或写信是安全的。',
		'contact.who': '只有隐私官才能阅读这些信息，而且只有在个案处理人员说明理由提出申请、并经另一位隐私官同意之后。您会先在收件箱里（用您的代码）得到通知。这些信息在本浏览器中加密。如果想保持匿名，请留空。',
		'contact.name': '姓名，或我们可以怎样称呼您',
		'contact.name.help': '选填。只写名字或用化名也可以。',
		'contact.phone': '电话号码',
		'contact.phone.help': '选填。',
		'contact.email': '电子邮箱',
		'contact.email.help': '选填。请只填别人看不到的邮箱。',
		'contact.note': '什么时间、用什么方式给您打电话或写信是安全的？',
		'contact.note.help': '用您自己的话写，例如：“晚上 10 点以后才可以”“不要留语音留言”“就说是学校打来的”。',
		'contact.consent': '紧急小组可以立即给我打电话',
		'contact.consent.help': '这样，负责您报告的紧急小组个案处理人员就可以立即阅读这些信息，不必等待隐私官。他们每次阅读都会被记录，您的收件箱会显示他们第一次阅读的时间。如果不勾选，就只适用上面说明的方式。',
		'contact.consent.review': '同意紧急小组立即给我打电话',
		'contact.toolong': '有一个联系方式栏目太长了。',
		'contact.done.consent': '紧急小组现在可以阅读您的联系方式；您的收件箱会显示他们何时阅读过。',
		'contact.done.vault': '您的联系方式已加密保存。隐私官只有在提出申请后才能阅读，而且会先在收件箱里通知您。',
		'attach.label': '附件（选填）',
		'attach.help': '例如：拒绝信邮件、屏幕截图或信件的照片。最多 {n} 个文件，每个不超过 {max}。',
		'attach.privacy': '文件会像您的报告一样在您的浏览器中加密。对于照片（JPEG、PNG），我们会先删除相机、时间和位置等信息；其他文件（如 PDF）里面的内容则保持不变。',
		'attach.names': '同时发送文件名（加密）',
		'attach.remove': '移除',
		'attach.too_many': '最多只能添加 {n} 个文件。',
		'attach.too_large': '{name} 太大了（最大 {max}）。',
		'attach.progress': '正在加密并发送第 {i} 个附件（共 {n} 个）：{pct}%',
		'attach.sent': '我们已收到您的附件（{n} 个）。',
		'attach.failed': '我们已收到您的报告，但附件没有全部送达：已送达 {n} 个。未送达：{names}。您可以通过“查看我的报告”告诉个案处理人员缺少了文件。',
		'leave.key': '也可以按 Esc 键快速离开（正在输入时：按两次 Esc）。',
		'sending.refresh': '本服务的密钥刚刚更新。正在重新获取密钥并重新加密您的报告…',
		'error.keys_changed': '您的报告没有发送：在您填写期间，本服务的密钥发生了变化。您写的内容还在这里。请一分钟后再按一次“发送”。',
		'pow.working': '您的浏览器正在进行一次简短的计算，以保护本服务不被滥用…',
		'case.number': '个案编号',
		'case.number.help': '给我们打电话时请提供这个编号。它不是秘密；您的报告代码才是秘密：绝不要告诉任何人。',
	},
};

// Every text of every language, for the completeness test
// (tests/browser/i18n.test.mjs).
export const TEXTS = T;

let current = 'nl';

export function lang() {
	return current;
}

export function t(key) {
	return T[current][key] ?? T.en[key] ?? key;
}

// The first of the browser's languages we have, else Dutch.  This reads
// navigator.languages only; nothing is remembered between visits.
export function browserLanguage() {
	for (const l of globalThis.navigator?.languages ?? []) {
		const base = String(l).toLowerCase().split('-')[0];
		if (LANGS.includes(base))
			return base;
	}
	return 'nl';
}

// The page's language at start: ?lang= in its own address when a link of
// the other page carried it (carryLanguage()), else the browser's.
export function initialLanguage() {
	const q = new URLSearchParams(globalThis.location?.search ?? '')
	    .get('lang');
	const base = String(q ?? '').toLowerCase().split('-')[0];
	return LANGS.includes(base) ? base : browserLanguage();
}

// The language is kept between the report page and the check page by the
// links between them, not by storage: every same-site link gets ?lang=
// when the chosen language differs from the browser's (which the other
// page would pick anyway), so a reporter who never switches has nothing
// in any address.  A language code is the only thing ever put there.
export function carryLanguage(root = document) {
	for (const a of root.querySelectorAll('a[href^="/"]')) {
		const u = new URL(a.getAttribute('href'), 'https://x.invalid');
		u.search = current === browserLanguage() ? '' :
		    `?lang=${current}`;
		a.setAttribute('href', u.pathname + u.search);
	}
}

// Apply a language to the document: lang/dir on <html>, then every
// element with data-i18n gets its text (textContent only, never HTML).
export function setLanguage(l, root = document) {
	current = LANGS.includes(l) ? l : 'en';
	const html = root.documentElement;
	html.lang = current;
	html.dir = RTL.has(current) ? 'rtl' : 'ltr';
	for (const el of root.querySelectorAll('[data-i18n]'))
		el.textContent = t(el.dataset.i18n);
	for (const el of root.querySelectorAll('[data-i18n-title]'))
		el.title = t(el.dataset.i18nTitle);
	carryLanguage(root);
}

export function langName(l) {
	return { nl: 'Nederlands', en: 'English', tr: 'Türkçe', ar: 'العربية',
	    ti: 'ትግርኛ', zh: '中文（简体）' }[l];
}

/* ---- dates in the page's language ---- */

// The locale dates are written in: English as written in Europe (8
// December 2026, never 12/8/2026), Chinese of the mainland, Tigrinya of
// Eritrea.
const DATE_LOCALE = { nl: 'nl-NL', en: 'en-GB', tr: 'tr-TR', ar: 'ar',
    ti: 'ti-ER', zh: 'zh-CN' };

// Gregorian month names for a browser whose Intl has no Tigrinya data
// (some builds ship a reduced ICU): then the page writes dates itself
// rather than fall back to English.
const TI_MONTHS = ['ጥሪ', 'ለካቲት', 'መጋቢት', 'ሚያዝያ', 'ጉንቦት', 'ሰነ', 'ሓምለ',
    'ነሓሰ', 'መስከረም', 'ጥቅምቲ', 'ሕዳር', 'ታሕሳስ'];

const usable = new Map();

// The locale to give Intl for l, or null when this browser's Intl cannot
// write its dates: a build may claim the locale but carry only ICU's root
// data, which names March "M03".
function dateLocale(l) {
	const loc = DATE_LOCALE[l] ?? 'en-GB';
	if (!usable.has(loc)) {
		let ok = false;
		try {
			ok = Intl.DateTimeFormat.supportedLocalesOf([loc]).length > 0 &&
			    !/^M\d+$/.test(new Intl.DateTimeFormat(loc, {
			    month: 'long', timeZone: 'UTC' })
			    .format(new Date(Date.UTC(2026, 2, 15))));
		} catch {
			/* no Intl: the fallback */
		}
		usable.set(loc, ok);
	}
	return usable.get(loc) ? loc : null;
}

// A formatter with format(date) for opts (dateStyle, timeStyle,
// timeZone), in l.
export function dateFormat(l, opts) {
	const loc = dateLocale(l);
	if (loc !== null)
		return new Intl.DateTimeFormat(loc, opts);
	const utc = opts.timeZone === 'UTC';
	return {
		format(d) {
			const day = utc ? d.getUTCDate() : d.getDate();
			const m = utc ? d.getUTCMonth() : d.getMonth();
			const y = utc ? d.getUTCFullYear() : d.getFullYear();
			let s = `${day} ${l === 'ti' ? TI_MONTHS[m] :
			    String(m + 1).padStart(2, '0')} ${y}`;
			if (opts.timeStyle)
				s += ` ${String(d.getHours()).padStart(2, '0')}:` +
				    String(d.getMinutes()).padStart(2, '0');
			return s;
		},
	};
}

// The twelve month names in l ("januari", ...; "一月", ...).
export function monthNames(l) {
	const loc = dateLocale(l);
	if (loc === null)
		return l === 'ti' ? TI_MONTHS.slice() :
		    Array.from({ length: 12 }, (_, i) => String(i + 1));
	const f = new Intl.DateTimeFormat(loc, { month: 'long',
	    timeZone: 'UTC' });
	return Array.from({ length: 12 }, (_, i) =>
	    f.format(new Date(Date.UTC(2026, i, 15))));
}

// The order day, month and year are written in l: ['day', 'month',
// 'year'] for Dutch, ['year', 'month', 'day'] for Chinese.
export function dateOrder(l) {
	const loc = dateLocale(l);
	if (loc === null)
		return ['day', 'month', 'year'];
	const parts = new Intl.DateTimeFormat(loc, { day: 'numeric',
	    month: 'long', year: 'numeric', timeZone: 'UTC' })
	    .formatToParts(new Date(Date.UTC(2026, 11, 8)));
	const order = parts.map((p) => p.type)
	    .filter((x) => x === 'day' || x === 'month' || x === 'year');
	return order.length === 3 ? order : ['day', 'month', 'year'];
}
