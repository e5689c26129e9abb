/*
 * Reporter-side texts in nl, en, tr and ar.  Written for people who may
 * be frightened or under pressure: short sentences, no jargon, and
 * always what to do next.  Error messages never repeat what the
 * reporter sent.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "forms/i18n.h"

static const char *const codes[I18N_NLANG] = { "nl", "en", "tr", "ar" };

struct i18n_msg {
	const char		*m_key;
	struct i18n_text	 m_text;
};

static const struct i18n_msg msgs[] = {
	/* Errors. */
	{ "error.invalid_json", { {
	    "Het verzoek is geen geldige JSON.",
	    "The request is not valid JSON.",
	    "İstek geçerli bir JSON değil.",
	    "الطلب ليس بصيغة JSON صالحة." } } },
	{ "error.invalid_field", { {
	    "Een veld heeft een ongeldige waarde of vorm.",
	    "A field has an invalid value or form.",
	    "Bir alanın değeri veya biçimi geçersiz.",
	    "أحد الحقول يحتوي على قيمة أو صيغة غير صالحة." } } },
	{ "error.unknown_field", { {
	    "Het verzoek bevat een veld dat niet bestaat.",
	    "The request contains a field that does not exist.",
	    "İstek, var olmayan bir alan içeriyor.",
	    "يحتوي الطلب على حقل غير موجود." } } },
	{ "error.missing_field", { {
	    "Een verplicht veld ontbreekt.",
	    "A required field is missing.",
	    "Zorunlu bir alan eksik.",
	    "أحد الحقول المطلوبة مفقود." } } },
	{ "error.unknown_value", { {
	    "Deze keuze bestaat niet in het formulier.",
	    "This choice does not exist in the form.",
	    "Bu seçenek formda yok.",
	    "هذا الاختيار غير موجود في النموذج." } } },
	{ "error.invalid_base64", { {
	    "Een versleuteld veld is niet correct gecodeerd (base64).",
	    "An encrypted field is not correctly encoded (base64).",
	    "Şifreli bir alan doğru kodlanmamış (base64).",
	    "أحد الحقول المشفرة غير مرمّز بشكل صحيح (base64)." } } },
	{ "error.invalid_envelope", { {
	    "De versleutelde melding is onvolledig of beschadigd.",
	    "The encrypted report is incomplete or damaged.",
	    "Şifreli bildirim eksik veya bozuk.",
	    "البلاغ المشفر غير مكتمل أو تالف." } } },
	{ "error.invalid_bucket", { {
	    "De versleutelde tekst heeft geen toegestane lengte.",
	    "The encrypted text does not have an allowed length.",
	    "Şifreli metnin uzunluğuna izin verilmiyor.",
	    "طول النص المشفر غير مسموح به." } } },
	{ "error.category_mismatch", { {
	    "Het onderwerp in de versleutelde melding klopt niet met het gekozen onderwerp.",
	    "The subject inside the encrypted report does not match the chosen subject.",
	    "Şifreli bildirimdeki konu seçilen konuyla uyuşmuyor.",
	    "الموضوع داخل البلاغ المشفر لا يطابق الموضوع المختار." } } },
	{ "error.missing_wrap", { {
	    "De melding is niet versleuteld voor alle ontvangers uit het formulier.",
	    "The report is not encrypted for every recipient the form lists.",
	    "Bildirim, formda listelenen tüm alıcılar için şifrelenmemiş.",
	    "البلاغ غير مشفر لجميع المستلمين المذكورين في النموذج." } } },
	{ "error.unknown_key", { {
	    "Het formulier of de sleutels zijn veranderd nadat u het opende. Er is niets opgeslagen. Haal het formulier opnieuw op en verstuur opnieuw.",
	    "The form or its keys changed after you opened it. Nothing was stored. Fetch the form again and send again.",
	    "Form veya anahtarları siz açtıktan sonra değişti. Hiçbir şey kaydedilmedi. Formu yeniden alın ve tekrar gönderin.",
	    "تغيّر النموذج أو مفاتيحه بعد أن فتحته. لم يتم حفظ أي شيء. حمّل النموذج من جديد وأرسل مرة أخرى." } } },
	{ "error.invalid_utf8", { {
	    "Het verzoek bevat tekst die geen geldige UTF-8 is. Er is niets opgeslagen.",
	    "The request contains text that is not valid UTF-8. Nothing was stored.",
	    "İstek geçerli UTF-8 olmayan metin içeriyor. Hiçbir şey kaydedilmedi.",
	    "يحتوي الطلب على نص ليس بترميز UTF-8 صالح. لم يتم حفظ أي شيء." } } },
	{ "error.too_large", { {
	    "De melding is te lang.",
	    "The report is too long.",
	    "Bildirim çok uzun.",
	    "البلاغ طويل جداً." } } },
	{ "error.consent_not_urgent", { {
	    "Toestemming voor het spoedteam kan alleen bij direct gevaar of een reis binnen 14 dagen.",
	    "Consent for the urgent team is only possible with immediate danger or travel within 14 days.",
	    "Acil ekip için izin yalnızca acil tehlike veya 14 gün içinde bir yolculuk durumunda mümkündür.",
	    "الموافقة لفريق الطوارئ ممكنة فقط في حالة خطر داهم أو سفر خلال 14 يومًا." } } },
	{ "error.invalid_receipt", { {
	    "Deze code klopt niet. Controleer de 16 cijfers en probeer het opnieuw.",
	    "This code is not correct. Check the 16 digits and try again.",
	    "Bu kod doğru değil. 16 haneyi kontrol edip tekrar deneyin.",
	    "هذا الرمز غير صحيح. تحقق من الأرقام الستة عشر وحاول مرة أخرى." } } },
	{ "error.purged", { {
	    "Deze melding is verwijderd omdat de bewaartermijn voorbij is. De code werkt niet meer.",
	    "This report was deleted because its retention period ended. The code no longer works.",
	    "Bu bildirim saklama süresi dolduğu için silindi. Kod artık çalışmıyor.",
	    "تم حذف هذا البلاغ لانتهاء مدة الاحتفاظ به. لم يعد الرمز صالحاً." } } },
	{ "error.unauthorized", { {
	    "Uw sessie is verlopen. Log opnieuw in met uw code.",
	    "Your session has ended. Log in again with your code.",
	    "Oturumunuz sona erdi. Kodunuzla tekrar giriş yapın.",
	    "انتهت جلستك. سجّل الدخول مرة أخرى باستخدام رمزك." } } },
	{ "error.rate_limited", { {
	    "Te veel pogingen. Wacht even en probeer het dan opnieuw.",
	    "Too many attempts. Please wait a moment and try again.",
	    "Çok fazla deneme. Lütfen biraz bekleyip tekrar deneyin.",
	    "محاولات كثيرة جداً. يرجى الانتظار قليلاً ثم المحاولة مرة أخرى." } } },
	{ "error.unavailable", { {
	    "De dienst is even druk. Probeer het over een paar seconden opnieuw; er is niets opgeslagen.",
	    "The service is busy. Try again in a few seconds; nothing was stored.",
	    "Hizmet şu anda yoğun. Birkaç saniye sonra tekrar deneyin; hiçbir şey kaydedilmedi.",
	    "الخدمة مشغولة حالياً. حاول مرة أخرى بعد بضع ثوانٍ؛ لم يتم حفظ أي شيء." } } },
	{ "error.outcome_unknown", { {
	    "We weten niet zeker of uw melding is opgeslagen. Verstuur dezelfde melding over een paar seconden opnieuw; u krijgt dan uw code en er ontstaat geen tweede melding.",
	    "We cannot tell yet whether your report was stored. Send the same report again in a few seconds: you will get your code, and no second report is made.",
	    "Bildiriminizin kaydedilip kaydedilmediğini henüz bilmiyoruz. Aynı bildirimi birkaç saniye sonra tekrar gönderin: kodunuzu alırsınız ve ikinci bir bildirim oluşmaz.",
	    "لا نعرف بعد ما إذا كان بلاغك قد حُفظ. أرسل البلاغ نفسه مرة أخرى بعد بضع ثوانٍ: ستحصل على رمزك ولن يُنشأ بلاغ ثانٍ." } } },
	{ "error.outcome_unknown_message", { {
	    "We weten niet zeker of uw bericht is opgeslagen. Kijk over een paar seconden in uw dossier voordat u het opnieuw stuurt.",
	    "We cannot tell yet whether your message was stored. Look at your case in a few seconds before sending it again.",
	    "Mesajınızın kaydedilip kaydedilmediğini henüz bilmiyoruz. Tekrar göndermeden önce birkaç saniye sonra dosyanıza bakın.",
	    "لا نعرف بعد ما إذا كانت رسالتك قد حُفظت. انظر في ملفك بعد بضع ثوانٍ قبل إرسالها مرة أخرى." } } },
	/* Attachments (daemon/attach.c). */
	{ "error.attachment_too_large", { {
	    "Dit bestand is te groot. Er is niets van opgeslagen.",
	    "This file is too large. Nothing of it was stored.",
	    "Bu dosya çok büyük. Hiçbir kısmı kaydedilmedi.",
	    "هذا الملف كبير جداً. لم يتم حفظ أي جزء منه." } } },
	{ "error.too_many_attachments", { {
	    "Uw melding heeft al het hoogste aantal bijlagen. Dit bestand is niet opgeslagen.",
	    "Your report already has the most attachments allowed. This file was not stored.",
	    "Bildiriminiz izin verilen en fazla eke zaten sahip. Bu dosya kaydedilmedi.",
	    "بلاغك يحتوي بالفعل على الحد الأقصى من المرفقات. لم يتم حفظ هذا الملف." } } },
	{ "error.no_such_upload", { {
	    "Deze upload bestaat niet (meer). Voeg het bestand opnieuw toe.",
	    "This upload does not exist (any more). Attach the file again.",
	    "Bu yükleme yok (artık yok). Dosyayı yeniden ekleyin.",
	    "عملية الرفع هذه غير موجودة (لم تعد موجودة). أرفق الملف مرة أخرى." } } },
	{ "error.upload_incomplete", { {
	    "Niet alle delen van het bestand zijn aangekomen. Probeer het opnieuw.",
	    "Not every part of the file has arrived. Try again.",
	    "Dosyanın tüm parçaları ulaşmadı. Tekrar deneyin.",
	    "لم تصل كل أجزاء الملف. حاول مرة أخرى." } } },
	{ "error.attachments_off", { {
	    "Bijlagen zijn bij dit meldpunt uitgeschakeld.",
	    "Attachments are switched off at this service.",
	    "Bu hizmette ekler kapalı.",
	    "المرفقات معطلة في هذه الخدمة." } } },
	{ "error.submission_conflict", { {
	    "Deze verzendcode hoort bij een andere melding. Begin een nieuwe melding; er is niets opgeslagen.",
	    "This submission id belongs to a different report. Start a new report; nothing was stored.",
	    "Bu gönderim kimliği başka bir bildirime ait. Yeni bir bildirim başlatın; hiçbir şey kaydedilmedi.",
	    "معرّف الإرسال هذا يخص بلاغاً آخر. ابدأ بلاغاً جديداً؛ لم يتم حفظ أي شيء." } } },
	{ "error.invalid_idempotency_key", { {
	    "De verzendcode (Idempotency-Key) heeft een ongeldige vorm. Er is niets opgeslagen.",
	    "The submission id (Idempotency-Key) is malformed. Nothing was stored.",
	    "Gönderim kimliği (Idempotency-Key) geçersiz. Hiçbir şey kaydedilmedi.",
	    "معرّف الإرسال (Idempotency-Key) غير صالح. لم يتم حفظ أي شيء." } } },
	{ "error.pow_required", { {
	    "Vraag eerst een rekenopdracht op (GET /v1/challenge) en stuur de oplossing mee. Er is niets opgeslagen.",
	    "Fetch a challenge first (GET /v1/challenge) and send its solution along. Nothing was stored.",
	    "Önce bir hesaplama görevi alın (GET /v1/challenge) ve çözümünü birlikte gönderin. Hiçbir şey kaydedilmedi.",
	    "اطلب أولاً مهمة حسابية (GET /v1/challenge) وأرسل حلّها مع البلاغ. لم يتم حفظ أي شيء." } } },
	{ "error.pow_expired", { {
	    "De rekenopdracht is verlopen. Vraag een nieuwe op en verstuur opnieuw; er is niets opgeslagen.",
	    "The challenge has expired. Fetch a new one and send again; nothing was stored.",
	    "Hesaplama görevinin süresi doldu. Yenisini alın ve tekrar gönderin; hiçbir şey kaydedilmedi.",
	    "انتهت صلاحية المهمة الحسابية. اطلب مهمة جديدة وأرسل مرة أخرى؛ لم يتم حفظ أي شيء." } } },
	{ "error.pow_invalid", { {
	    "De oplossing van de rekenopdracht klopt niet of is al gebruikt. Vraag een nieuwe op en verstuur opnieuw; er is niets opgeslagen.",
	    "The challenge solution is not valid or was used already. Fetch a new challenge and send again; nothing was stored.",
	    "Hesaplama görevinin çözümü geçersiz veya daha önce kullanılmış. Yeni bir görev alın ve tekrar gönderin; hiçbir şey kaydedilmedi.",
	    "حلّ المهمة الحسابية غير صالح أو استُخدم من قبل. اطلب مهمة جديدة وأرسل مرة أخرى؛ لم يتم حفظ أي شيء." } } },
	{ "error.not_configured", { {
	    "Melden is op dit moment niet mogelijk.",
	    "Reporting is not possible at the moment.",
	    "Şu anda bildirim yapılamıyor.",
	    "الإبلاغ غير ممكن في الوقت الحالي." } } },
	{ "error.internal", { {
	    "Er ging iets mis aan onze kant. Er is niets opgeslagen.",
	    "Something went wrong on our side. Nothing was stored.",
	    "Bizim tarafımızda bir sorun oluştu. Hiçbir şey kaydedilmedi.",
	    "حدث خطأ من جهتنا. لم يتم حفظ أي شيء." } } },
	/* Names of members that are not questions of the form, for error
	 * messages that name the field (forms_field_label). */
	{ "field.category", { {
	    "Onderwerp", "Subject", "Konu", "الموضوع" } } },
	{ "field.subtype", { {
	    "Soort", "Kind", "Tür", "النوع" } } },
	/* Case states, in plain words. */
	{ "state.new", { {
	    "Uw melding is ontvangen en wacht op een behandelaar.",
	    "Your report has been received and is waiting for a case handler.",
	    "Bildiriminiz alındı ve bir görevliyi bekliyor.",
	    "تم استلام بلاغك وهو بانتظار موظف مختص." } } },
	{ "state.acknowledged", { {
	    "Een behandelaar heeft uw melding gezien.",
	    "A case handler has seen your report.",
	    "Bir görevli bildiriminizi gördü.",
	    "اطّلع موظف مختص على بلاغك." } } },
	{ "state.in_progress", { {
	    "Er wordt aan uw melding gewerkt.",
	    "Your report is being worked on.",
	    "Bildiriminiz üzerinde çalışılıyor.",
	    "يجري العمل على بلاغك." } } },
	{ "state.referred", { {
	    "Uw melding is doorgestuurd naar een organisatie die verder kan helpen.",
	    "Your report has been passed to an organisation that can help further.",
	    "Bildiriminiz daha fazla yardımcı olabilecek bir kuruluşa iletildi.",
	    "أُحيل بلاغك إلى جهة يمكنها تقديم مزيد من المساعدة." } } },
	{ "state.resolved", { {
	    "De behandeling van uw melding is afgerond.",
	    "The handling of your report is complete.",
	    "Bildiriminizin işlemi tamamlandı.",
	    "اكتملت معالجة بلاغك." } } },
	{ "state.unfounded", { {
	    "Na onderzoek is besloten uw melding niet verder te behandelen. Lees de berichten voor de uitleg.",
	    "After looking into it, we decided not to take your report further. See the messages for why.",
	    "İnceleme sonrasında bildiriminizle ilgili ileri işlem yapılmamasına karar verildi. Açıklama için mesajlara bakın.",
	    "بعد الدراسة تقرر عدم متابعة بلاغك. راجع الرسائل لمعرفة السبب." } } },
	{ "state.withdrawn", { {
	    "Uw melding is ingetrokken.",
	    "Your report has been withdrawn.",
	    "Bildiriminiz geri çekildi.",
	    "تم سحب بلاغك." } } },
	{ "state.closed", { {
	    "Uw melding is gesloten. U kunt nog steeds een bericht sturen.",
	    "Your report is closed. You can still send a message.",
	    "Bildiriminiz kapatıldı. Yine de mesaj gönderebilirsiniz.",
	    "تم إغلاق بلاغك. لا يزال بإمكانك إرسال رسالة." } } },
	/* System messages and notices. */
	{ "ack.received", { {
	    "Bedankt voor uw melding. We hebben hem goed ontvangen en veilig opgeslagen. "
	    "Een behandelaar neemt hem in behandeling; binnen drie maanden hoort u hier wat er met uw melding is gedaan. "
	    "Bewaar uw code goed: alleen daarmee kunt u hier terugkomen.",
	    "Thank you for your report. We have received it and stored it securely. "
	    "A case handler will take it up; within three months you will hear here what has been done with it. "
	    "Keep your code safe: it is the only way back to this page.",
	    "Bildiriminiz için teşekkür ederiz. Bildiriminizi aldık ve güvenli bir şekilde sakladık. "
	    "Bir görevli bildiriminizle ilgilenecek; üç ay içinde burada bildiriminizle ilgili ne yapıldığını öğreneceksiniz. "
	    "Kodunuzu güvenli bir yerde saklayın: buraya geri dönmenin tek yolu odur.",
	    "شكراً لك على بلاغك. لقد استلمناه وحفظناه بشكل آمن. "
	    "سيتولى موظف مختص متابعته، وخلال ثلاثة أشهر ستعرف هنا ما الذي تم بشأنه. "
	    "احتفظ برمزك في مكان آمن: فهو الطريقة الوحيدة للعودة إلى هذه الصفحة." } } },
	{ "urgent.received", { {
	    "Uw melding is als spoedmelding doorgezet; een behandelaar kijkt er binnen een uur naar.",
	    "Your report has been marked urgent; a case handler will look at it within one hour.",
	    "Bildiriminiz acil olarak işaretlendi; bir görevli bir saat içinde inceleyecek.",
	    "تم وضع علامة عاجل على بلاغك؛ سينظر فيه موظف مختص خلال ساعة واحدة." } } },
	{ "identity.disclosure", { {
	    "Een behandelaar heeft gevraagd wie u bent, en een privacyfunctionaris heeft dat toegestaan. "
	    "Uw contactgegevens worden daarom aan de behandelaar van uw melding bekendgemaakt. "
	    "U kunt hier reageren als u daar vragen over hebt.",
	    "A case handler asked who you are, and a privacy officer has allowed it. "
	    "Your contact details will therefore be disclosed to the handler of your report. "
	    "You can reply here if you have any questions about this.",
	    "Bir görevli kimliğinizi öğrenmek istedi ve bir gizlilik sorumlusu buna izin verdi. "
	    "Bu nedenle iletişim bilgileriniz bildiriminizle ilgilenen görevliye açıklanacaktır. "
	    "Bununla ilgili sorularınız varsa buradan yanıt verebilirsiniz.",
	    "طلب موظف مختص معرفة هويتك، وقد وافق مسؤول حماية الخصوصية على ذلك. "
	    "لذلك سيتم الكشف عن بيانات الاتصال الخاصة بك للموظف المسؤول عن بلاغك. "
	    "يمكنك الرد هنا إذا كانت لديك أي أسئلة حول ذلك." } } },
	{ "contact.consent", { {
	    "U hebt toegestaan dat het spoedteam uw contactgegevens meteen gebruikt om u te bellen of te schrijven, zoals u aangaf. "
	    "Alleen medewerkers van het spoedteam dat uw melding behandelt kunnen ze lezen, en elke keer wordt vastgelegd. "
	    "Hier ziet u wanneer zij ze voor het eerst hebben gelezen.",
	    "You agreed that the urgent team may use your contact details at once to call or write to you, as you described. "
	    "Only members of the urgent team handling your report can read them, and every time is recorded. "
	    "You will see here when they first read them.",
	    "Acil ekibin, belirttiğiniz şekilde sizi aramak veya size yazmak için iletişim bilgilerinizi hemen kullanmasına izin verdiniz. "
	    "Bunları yalnızca bildiriminizle ilgilenen acil ekibin üyeleri okuyabilir ve her okuma kaydedilir. "
	    "Bunları ilk ne zaman okuduklarını burada göreceksiniz.",
	    "لقد وافقت على أن يستخدم فريق الطوارئ بيانات الاتصال الخاصة بك فورًا للاتصال بك أو مراسلتك كما وصفت. "
	    "لا يستطيع قراءتها إلا أعضاء فريق الطوارئ الذي يتابع بلاغك، ويتم تسجيل كل مرة. "
	    "سترى هنا متى قرأوها لأول مرة." } } },
	{ "contact.urgent_read", { {
	    "Het spoedteam heeft uw contactgegevens nu gelezen en kan contact met u opnemen zoals u aangaf.",
	    "The urgent team has now read your contact details and may contact you as you described.",
	    "Acil ekip iletişim bilgilerinizi şimdi okudu ve belirttiğiniz şekilde sizinle iletişime geçebilir.",
	    "قرأ فريق الطوارئ الآن بيانات الاتصال الخاصة بك وقد يتواصل معك كما وصفت." } } },
	{ "receipt.keep", { {
	    "Dit is uw code. Schrijf hem op of bewaar hem veilig: hij wordt maar één keer getoond en wij kunnen hem niet herstellen.",
	    "This is your code. Write it down or store it safely: it is shown only once and we cannot recover it.",
	    "Bu sizin kodunuz. Not edin veya güvenle saklayın: yalnızca bir kez gösterilir ve biz onu kurtaramayız.",
	    "هذا هو رمزك. اكتبه أو احفظه في مكان آمن: يُعرض مرة واحدة فقط ولا يمكننا استعادته." } } },
	{ "lang.fallback", { {
	    "De gevraagde taal is niet beschikbaar; dit formulier is in het Engels.",
	    "The requested language is not available; this form is in English.",
	    "İstenen dil mevcut değil; bu form İngilizcedir.",
	    "اللغة المطلوبة غير متوفرة؛ هذا النموذج باللغة الإنجليزية." } } },
	{ "message.empty_handler", { {
	    "(bericht kon niet worden gelezen)",
	    "(message could not be read)",
	    "(mesaj okunamadı)",
	    "(تعذرت قراءة الرسالة)" } } },
};

const char *
i18n_code(enum i18n_lang l)
{
	if ((unsigned)l >= I18N_NLANG)
		l = I18N_DEFAULT;
	return (codes[l]);
}

const char *
i18n_dir(enum i18n_lang l)
{
	return (l == I18N_AR ? "rtl" : "ltr");
}

int
i18n_parse(const char *code, enum i18n_lang *out)
{
	size_t	 i;

	if (code == NULL || !isalpha((unsigned char)code[0]) ||
	    !isalpha((unsigned char)code[1]) ||
	    (code[2] != '\0' && code[2] != '-' && code[2] != '_'))
		return (-1);
	for (i = 0; i < I18N_NLANG; i++) {
		if (tolower((unsigned char)code[0]) == codes[i][0] &&
		    tolower((unsigned char)code[1]) == codes[i][1]) {
			*out = (enum i18n_lang)i;
			return (0);
		}
	}
	return (-1);
}

/* One "tag;q=0.8" part; returns its q in thousandths, -1 if malformed. */
static int
i18n_accept_part(const char *p, size_t len, char *tag, size_t tagsz)
{
	size_t	 i = 0, t = 0;
	int	 q = 1000, d;

	while (i < len && p[i] == ' ')
		i++;
	while (i < len && p[i] != ';' && p[i] != ' ' && t + 1 < tagsz)
		tag[t++] = p[i++];
	tag[t] = '\0';
	while (i < len && p[i] == ' ')
		i++;
	if (i < len && p[i] == ';') {
		i++;
		while (i < len && p[i] == ' ')
			i++;
		if (i + 2 > len || p[i] != 'q' || p[i + 1] != '=')
			return (-1);
		i += 2;
		if (i < len && p[i] == '1')
			return (1000);
		if (i >= len || p[i] != '0')
			return (-1);
		q = 0;
		i++;
		if (i < len && p[i] == '.') {
			for (i++, d = 100; i < len && d > 0 &&
			    isdigit((unsigned char)p[i]); i++, d /= 10)
				q += (p[i] - '0') * d;
		}
	}
	return (q);
}

enum i18n_lang
i18n_accept(const char *header)
{
	enum i18n_lang	 best = I18N_DEFAULT, l;
	const char	*p, *e;
	char		 tag[16];
	int		 bestq = 0, q;

	if (header == NULL)
		return (I18N_DEFAULT);
	for (p = header; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		q = i18n_accept_part(p, (size_t)(e - p), tag, sizeof(tag));
		if (q > bestq && i18n_parse(tag, &l) == 0) {
			best = l;
			bestq = q;
		}
	}
	return (best);
}

const char *
i18n_msg(const char *key, enum i18n_lang l)
{
	size_t	 i;

	if ((unsigned)l >= I18N_NLANG)
		l = I18N_DEFAULT;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (strcmp(msgs[i].m_key, key) == 0)
			return (msgs[i].m_text.t[l]);
	return (NULL);
}

int
i18n_check(const char **badkey)
{
	size_t	 i, l;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		for (l = 0; l < I18N_NLANG; l++)
			if (msgs[i].m_text.t[l] == NULL ||
			    msgs[i].m_text.t[l][0] == '\0') {
				*badkey = msgs[i].m_key;
				return (-1);
			}
	return (0);
}
