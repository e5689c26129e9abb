/*
 * Reporter-side texts in nl, en, tr, ar, ti and zh.  Written for people
 * who may be frightened or under pressure: short sentences, no jargon,
 * and always what to do next.  Error messages never repeat what the
 * reporter sent.  Tigrinya addresses the reader with the polite plural
 * (-ኩም), as a public service does; Chinese uses 您.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "forms/i18n.h"

static const char *const codes[I18N_NLANG] = { "nl", "en", "tr", "ar", "ti",
    "zh" };

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
	    "الطلب ليس بصيغة JSON صالحة.",
	    "እቲ ሕቶ ቅኑዕ JSON ኣይኮነን።",
	    "请求不是有效的 JSON。" } } },
	{ "error.invalid_field", { {
	    "Een veld heeft een ongeldige waarde of vorm.",
	    "A field has an invalid value or form.",
	    "Bir alanın değeri veya biçimi geçersiz.",
	    "أحد الحقول يحتوي على قيمة أو صيغة غير صالحة.",
	    "ሓደ ዓንቀጽ ዘይቅኑዕ ትሕዝቶ ወይ ቅርጺ ኣለዎ።",
	    "某个字段的值或格式无效。" } } },
	{ "error.unknown_field", { {
	    "Het verzoek bevat een veld dat niet bestaat.",
	    "The request contains a field that does not exist.",
	    "İstek, var olmayan bir alan içeriyor.",
	    "يحتوي الطلب على حقل غير موجود.",
	    "እቲ ሕቶ ዘየለ ዓንቀጽ ሒዙ ኣሎ።",
	    "请求中包含一个不存在的字段。" } } },
	{ "error.missing_field", { {
	    "Een verplicht veld ontbreekt.",
	    "A required field is missing.",
	    "Zorunlu bir alan eksik.",
	    "أحد الحقول المطلوبة مفقود.",
	    "ግዴታ ዝኾነ ዓንቀጽ ይጎድል ኣሎ።",
	    "缺少一个必填字段。" } } },
	{ "error.unknown_value", { {
	    "Deze keuze bestaat niet in het formulier.",
	    "This choice does not exist in the form.",
	    "Bu seçenek formda yok.",
	    "هذا الاختيار غير موجود في النموذج.",
	    "እዚ ምርጫ ኣብቲ ቅጥዒ የለን።",
	    "表单中没有这个选项。" } } },
	{ "error.invalid_base64", { {
	    "Een versleuteld veld is niet correct gecodeerd (base64).",
	    "An encrypted field is not correctly encoded (base64).",
	    "Şifreli bir alan doğru kodlanmamış (base64).",
	    "أحد الحقول المشفرة غير مرمّز بشكل صحيح (base64).",
	    "ሓደ ዝተመስጠረ ዓንቀጽ ብቕኑዕ ኣይተኮደን (base64)።",
	    "某个加密字段的编码不正确（base64）。" } } },
	{ "error.invalid_envelope", { {
	    "De versleutelde melding is onvolledig of beschadigd.",
	    "The encrypted report is incomplete or damaged.",
	    "Şifreli bildirim eksik veya bozuk.",
	    "البلاغ المشفر غير مكتمل أو تالف.",
	    "እቲ ዝተመስጠረ ጸብጻብ ዘይምሉእ ወይ ዝተበላሸወ እዩ።",
	    "加密的报告不完整或已损坏。" } } },
	{ "error.invalid_bucket", { {
	    "De versleutelde tekst heeft geen toegestane lengte.",
	    "The encrypted text does not have an allowed length.",
	    "Şifreli metnin uzunluğuna izin verilmiyor.",
	    "طول النص المشفر غير مسموح به.",
	    "ንውሓት እቲ ዝተመስጠረ ጽሑፍ ዝፍቀድ ኣይኮነን።",
	    "加密文本的长度不在允许范围内。" } } },
	{ "error.category_mismatch", { {
	    "Het onderwerp in de versleutelde melding klopt niet met het gekozen onderwerp.",
	    "The subject inside the encrypted report does not match the chosen subject.",
	    "Şifreli bildirimdeki konu seçilen konuyla uyuşmuyor.",
	    "الموضوع داخل البلاغ المشفر لا يطابق الموضوع المختار.",
	    "ኣብቲ ዝተመስጠረ ጸብጻብ ዘሎ ኣርእስቲ ምስቲ ዝተመርጸ ኣርእስቲ ኣይሰማማዕን።",
	    "加密报告中的主题与所选主题不一致。" } } },
	{ "error.missing_wrap", { {
	    "De melding is niet versleuteld voor alle ontvangers uit het formulier.",
	    "The report is not encrypted for every recipient the form lists.",
	    "Bildirim, formda listelenen tüm alıcılar için şifrelenmemiş.",
	    "البلاغ غير مشفر لجميع المستلمين المذكورين في النموذج.",
	    "እቲ ጸብጻብ ንኹሎም እቶም ኣብቲ ቅጥዒ ዘለዉ ተቐበልቲ ኣይተመስጠረን።",
	    "报告没有为表单列出的每个接收方加密。" } } },
	{ "error.unknown_key", { {
	    "Het formulier of de sleutels zijn veranderd nadat u het opende. Er is niets opgeslagen. Haal het formulier opnieuw op en verstuur opnieuw.",
	    "The form or its keys changed after you opened it. Nothing was stored. Fetch the form again and send again.",
	    "Form veya anahtarları siz açtıktan sonra değişti. Hiçbir şey kaydedilmedi. Formu yeniden alın ve tekrar gönderin.",
	    "تغيّر النموذج أو مفاتيحه بعد أن فتحته. لم يتم حفظ أي شيء. حمّل النموذج من جديد وأرسل مرة أخرى.",
	    "ቅጥዒ ወይ መፍትሕታቱ ድሕሪ ምኽፋትኩም ተቐይሩ። ዝተዓቀበ ነገር የለን። ነቲ ቅጥዒ እንደገና ኣምጽእዎ እሞ እንደገና ስደዱ።",
	    "您打开表单后，表单或其密钥发生了变化。没有保存任何内容。请重新获取表单后再次发送。" } } },
	{ "error.invalid_utf8", { {
	    "Het verzoek bevat tekst die geen geldige UTF-8 is. Er is niets opgeslagen.",
	    "The request contains text that is not valid UTF-8. Nothing was stored.",
	    "İstek geçerli UTF-8 olmayan metin içeriyor. Hiçbir şey kaydedilmedi.",
	    "يحتوي الطلب على نص ليس بترميز UTF-8 صالح. لم يتم حفظ أي شيء.",
	    "እቲ ሕቶ ቅኑዕ UTF-8 ዘይኮነ ጽሑፍ ሒዙ ኣሎ። ዝተዓቀበ ነገር የለን።",
	    "请求中包含不是有效 UTF-8 的文本。没有保存任何内容。" } } },
	{ "error.too_large", { {
	    "De melding is te lang.",
	    "The report is too long.",
	    "Bildirim çok uzun.",
	    "البلاغ طويل جداً.",
	    "እቲ ጸብጻብ ኣዝዩ ነዊሕ እዩ።",
	    "报告太长了。" } } },
	{ "error.consent_not_urgent", { {
	    "Toestemming voor het spoedteam kan alleen bij direct gevaar of een reis binnen 14 dagen.",
	    "Consent for the urgent team is only possible with immediate danger or travel within 14 days.",
	    "Acil ekip için izin yalnızca acil tehlike veya 14 gün içinde bir yolculuk durumunda mümkündür.",
	    "الموافقة لفريق الطوارئ ممكنة فقط في حالة خطر داهم أو سفر خلال 14 يومًا.",
	    "ፍቓድ ንጉጅለ ህጹጽ ኣገልግሎት ዝከኣል ኣብ ቅጽበታዊ ሓደጋ ወይ ኣብ ውሽጢ 14 መዓልቲ ጉዕዞ ጥራይ እዩ።",
	    "只有在有紧迫危险或 14 天内有出行的情况下，才能同意紧急小组联系您。" } } },
	{ "error.invalid_receipt", { {
	    "Deze code klopt niet. Controleer de 16 cijfers en probeer het opnieuw.",
	    "This code is not correct. Check the 16 digits and try again.",
	    "Bu kod doğru değil. 16 haneyi kontrol edip tekrar deneyin.",
	    "هذا الرمز غير صحيح. تحقق من الأرقام الستة عشر وحاول مرة أخرى.",
	    "እዚ ኮድ ቅኑዕ ኣይኮነን። ነቶም 16 ኣሃዛት ኣረጋግጹ እሞ እንደገና ፈትኑ።",
	    "这个代码不正确。请检查这 16 位数字后再试一次。" } } },
	{ "error.purged", { {
	    "Deze melding is verwijderd omdat de bewaartermijn voorbij is. De code werkt niet meer.",
	    "This report was deleted because its retention period ended. The code no longer works.",
	    "Bu bildirim saklama süresi dolduğu için silindi. Kod artık çalışmıyor.",
	    "تم حذف هذا البلاغ لانتهاء مدة الاحتفاظ به. لم يعد الرمز صالحاً.",
	    "እዚ ጸብጻብ ግዜ ምዕቃቡ ስለ ዝወድአ ተደምሲሱ እዩ። እቲ ኮድ ድሕሪ ሕጂ ኣይሰርሕን።",
	    "这份报告的保存期限已满，已被删除。这个代码不再有效。" } } },
	{ "error.unauthorized", { {
	    "Uw sessie is verlopen. Log opnieuw in met uw code.",
	    "Your session has ended. Log in again with your code.",
	    "Oturumunuz sona erdi. Kodunuzla tekrar giriş yapın.",
	    "انتهت جلستك. سجّل الدخول مرة أخرى باستخدام رمزك.",
	    "ግዜ ምእታውኩም ተወዲኡ። ብኮድኩም እንደገና እቶ።",
	    "您的会话已结束。请用您的代码重新登录。" } } },
	{ "error.rate_limited", { {
	    "Te veel pogingen. Wacht even en probeer het dan opnieuw.",
	    "Too many attempts. Please wait a moment and try again.",
	    "Çok fazla deneme. Lütfen biraz bekleyip tekrar deneyin.",
	    "محاولات كثيرة جداً. يرجى الانتظار قليلاً ثم المحاولة مرة أخرى.",
	    "ብዙሕ ፈተነታት። በጃኹም ቁሩብ ተጸበዩ እሞ እንደገና ፈትኑ።",
	    "尝试次数太多。请稍等片刻再试。" } } },
	{ "error.unavailable", { {
	    "De dienst is even druk. Probeer het over een paar seconden opnieuw; er is niets opgeslagen.",
	    "The service is busy. Try again in a few seconds; nothing was stored.",
	    "Hizmet şu anda yoğun. Birkaç saniye sonra tekrar deneyin; hiçbir şey kaydedilmedi.",
	    "الخدمة مشغولة حالياً. حاول مرة أخرى بعد بضع ثوانٍ؛ لم يتم حفظ أي شيء.",
	    "እቲ ኣገልግሎት ሕጂ ተጻዒኑ ኣሎ። ድሕሪ ቁሩብ ካልኢታት እንደገና ፈትኑ፤ ዝተዓቀበ ነገር የለን።",
	    "服务暂时繁忙。请几秒钟后再试；没有保存任何内容。" } } },
	{ "error.outcome_unknown", { {
	    "We weten niet zeker of uw melding is opgeslagen. Verstuur dezelfde melding over een paar seconden opnieuw; u krijgt dan uw code en er ontstaat geen tweede melding.",
	    "We cannot tell yet whether your report was stored. Send the same report again in a few seconds: you will get your code, and no second report is made.",
	    "Bildiriminizin kaydedilip kaydedilmediğini henüz bilmiyoruz. Aynı bildirimi birkaç saniye sonra tekrar gönderin: kodunuzu alırsınız ve ikinci bir bildirim oluşmaz.",
	    "لا نعرف بعد ما إذا كان بلاغك قد حُفظ. أرسل البلاغ نفسه مرة أخرى بعد بضع ثوانٍ: ستحصل على رمزك ولن يُنشأ بلاغ ثانٍ.",
	    "ጸብጻብኩም ተዓቂቡ እንተሎ ገና ኣይፈለጥናን። ድሕሪ ቁሩብ ካልኢታት ነቲ ሓደ ጸብጻብ እንደገና ስደዱ፦ ኮድኩም ክትረኽቡ ኢኹም፣ ካልኣይ ጸብጻብ ድማ ኣይፍጠርን።",
	    "我们还无法确定您的报告是否已保存。请几秒钟后再次发送同一份报告：您会收到您的代码，而且不会产生第二份报告。" } } },
	{ "error.outcome_unknown_message", { {
	    "We weten niet zeker of uw bericht is opgeslagen. Kijk over een paar seconden in uw dossier voordat u het opnieuw stuurt.",
	    "We cannot tell yet whether your message was stored. Look at your case in a few seconds before sending it again.",
	    "Mesajınızın kaydedilip kaydedilmediğini henüz bilmiyoruz. Tekrar göndermeden önce birkaç saniye sonra dosyanıza bakın.",
	    "لا نعرف بعد ما إذا كانت رسالتك قد حُفظت. انظر في ملفك بعد بضع ثوانٍ قبل إرسالها مرة أخرى.",
	    "መልእኽትኹም ተዓቂቡ እንተሎ ገና ኣይፈለጥናን። እንደገና ቅድሚ ምስዳድኩም፣ ድሕሪ ቁሩብ ካልኢታት ጉዳይኩም ርኣዩ።",
	    "我们还无法确定您的消息是否已保存。请几秒钟后先查看您的个案，再决定是否重新发送。" } } },
	/* Attachments (daemon/attach.c). */
	{ "error.attachment_too_large", { {
	    "Dit bestand is te groot. Er is niets van opgeslagen.",
	    "This file is too large. Nothing of it was stored.",
	    "Bu dosya çok büyük. Hiçbir kısmı kaydedilmedi.",
	    "هذا الملف كبير جداً. لم يتم حفظ أي جزء منه.",
	    "እዚ ፋይል ኣዝዩ ዓቢ እዩ። ካብኡ ዝተዓቀበ ነገር የለን።",
	    "这个文件太大了。文件的任何部分都没有保存。" } } },
	{ "error.too_many_attachments", { {
	    "Uw melding heeft al het hoogste aantal bijlagen. Dit bestand is niet opgeslagen.",
	    "Your report already has the most attachments allowed. This file was not stored.",
	    "Bildiriminiz izin verilen en fazla eke zaten sahip. Bu dosya kaydedilmedi.",
	    "بلاغك يحتوي بالفعل على الحد الأقصى من المرفقات. لم يتم حفظ هذا الملف.",
	    "ጸብጻብኩም ዝፍቀድ ዝለዓለ ቁጽሪ ተተሓሒዝቲ ኣለዎ። እዚ ፋይል ኣይተዓቀበን።",
	    "您的报告附件数量已达上限。这个文件没有保存。" } } },
	{ "error.no_such_upload", { {
	    "Deze upload bestaat niet (meer). Voeg het bestand opnieuw toe.",
	    "This upload does not exist (any more). Attach the file again.",
	    "Bu yükleme yok (artık yok). Dosyayı yeniden ekleyin.",
	    "عملية الرفع هذه غير موجودة (لم تعد موجودة). أرفق الملف مرة أخرى.",
	    "እዚ ምልኣኽ ፋይል የለን (ወይ ድሕሪ ሕጂ የለን)። ነቲ ፋይል እንደገና ኣተሓሕዙ።",
	    "这次上传不存在（或已失效）。请重新添加文件。" } } },
	{ "error.upload_incomplete", { {
	    "Niet alle delen van het bestand zijn aangekomen. Probeer het opnieuw.",
	    "Not every part of the file has arrived. Try again.",
	    "Dosyanın tüm parçaları ulaşmadı. Tekrar deneyin.",
	    "لم تصل كل أجزاء الملف. حاول مرة أخرى.",
	    "ኩሎም ክፋላት እቲ ፋይል ኣይበጽሑን። እንደገና ፈትኑ።",
	    "文件没有全部送达。请再试一次。" } } },
	{ "error.attachments_off", { {
	    "Bijlagen zijn bij dit meldpunt uitgeschakeld.",
	    "Attachments are switched off at this service.",
	    "Bu hizmette ekler kapalı.",
	    "المرفقات معطلة في هذه الخدمة.",
	    "ኣብዚ ኣገልግሎት ተተሓሒዝቲ ምልኣኽ ተዓጽዩ ኣሎ።",
	    "本服务已关闭附件功能。" } } },
	{ "error.submission_conflict", { {
	    "Deze verzendcode hoort bij een andere melding. Begin een nieuwe melding; er is niets opgeslagen.",
	    "This submission id belongs to a different report. Start a new report; nothing was stored.",
	    "Bu gönderim kimliği başka bir bildirime ait. Yeni bir bildirim başlatın; hiçbir şey kaydedilmedi.",
	    "معرّف الإرسال هذا يخص بلاغاً آخر. ابدأ بلاغاً جديداً؛ لم يتم حفظ أي شيء.",
	    "እዚ መለለዪ ምስዳድ ናይ ካልእ ጸብጻብ እዩ። ሓድሽ ጸብጻብ ጀምሩ፤ ዝተዓቀበ ነገር የለን።",
	    "这个提交编号属于另一份报告。请开始一份新报告；没有保存任何内容。" } } },
	{ "error.invalid_idempotency_key", { {
	    "De verzendcode (Idempotency-Key) heeft een ongeldige vorm. Er is niets opgeslagen.",
	    "The submission id (Idempotency-Key) is malformed. Nothing was stored.",
	    "Gönderim kimliği (Idempotency-Key) geçersiz. Hiçbir şey kaydedilmedi.",
	    "معرّف الإرسال (Idempotency-Key) غير صالح. لم يتم حفظ أي شيء.",
	    "መለለዪ ምስዳድ (Idempotency-Key) ዘይቅኑዕ ቅርጺ ኣለዎ። ዝተዓቀበ ነገር የለን።",
	    "提交编号（Idempotency-Key）格式不正确。没有保存任何内容。" } } },
	{ "error.pow_required", { {
	    "Vraag eerst een rekenopdracht op (GET /v1/challenge) en stuur de oplossing mee. Er is niets opgeslagen.",
	    "Fetch a challenge first (GET /v1/challenge) and send its solution along. Nothing was stored.",
	    "Önce bir hesaplama görevi alın (GET /v1/challenge) ve çözümünü birlikte gönderin. Hiçbir şey kaydedilmedi.",
	    "اطلب أولاً مهمة حسابية (GET /v1/challenge) وأرسل حلّها مع البلاغ. لم يتم حفظ أي شيء.",
	    "ቅድም ናይ ሕሳብ ዕማም ሕተቱ (GET /v1/challenge) እሞ ፍታሑ ምስቲ ጸብጻብ ስደዱ። ዝተዓቀበ ነገር የለን።",
	    "请先获取一道计算题（GET /v1/challenge），并把答案一起发送。没有保存任何内容。" } } },
	{ "error.pow_expired", { {
	    "De rekenopdracht is verlopen. Vraag een nieuwe op en verstuur opnieuw; er is niets opgeslagen.",
	    "The challenge has expired. Fetch a new one and send again; nothing was stored.",
	    "Hesaplama görevinin süresi doldu. Yenisini alın ve tekrar gönderin; hiçbir şey kaydedilmedi.",
	    "انتهت صلاحية المهمة الحسابية. اطلب مهمة جديدة وأرسل مرة أخرى؛ لم يتم حفظ أي شيء.",
	    "ግዜ እቲ ናይ ሕሳብ ዕማም ሓሊፉ። ሓድሽ ሕተቱ እሞ እንደገና ስደዱ፤ ዝተዓቀበ ነገር የለን።",
	    "计算题已过期。请获取新的计算题后再次发送；没有保存任何内容。" } } },
	{ "error.pow_invalid", { {
	    "De oplossing van de rekenopdracht klopt niet of is al gebruikt. Vraag een nieuwe op en verstuur opnieuw; er is niets opgeslagen.",
	    "The challenge solution is not valid or was used already. Fetch a new challenge and send again; nothing was stored.",
	    "Hesaplama görevinin çözümü geçersiz veya daha önce kullanılmış. Yeni bir görev alın ve tekrar gönderin; hiçbir şey kaydedilmedi.",
	    "حلّ المهمة الحسابية غير صالح أو استُخدم من قبل. اطلب مهمة جديدة وأرسل مرة أخرى؛ لم يتم حفظ أي شيء.",
	    "ፍታሕ እቲ ናይ ሕሳብ ዕማም ቅኑዕ ኣይኮነን ወይ ድሮ ተጠቒምኩምሉ። ሓድሽ ሕተቱ እሞ እንደገና ስደዱ፤ ዝተዓቀበ ነገር የለን።",
	    "计算题的答案无效或已被使用过。请获取新的计算题后再次发送；没有保存任何内容。" } } },
	{ "error.not_configured", { {
	    "Melden is op dit moment niet mogelijk.",
	    "Reporting is not possible at the moment.",
	    "Şu anda bildirim yapılamıyor.",
	    "الإبلاغ غير ممكن في الوقت الحالي.",
	    "ኣብዚ እዋን ጸብጻብ ምቕራብ ኣይከኣልን።",
	    "目前无法提交报告。" } } },
	{ "error.internal", { {
	    "Er ging iets mis aan onze kant. Er is niets opgeslagen.",
	    "Something went wrong on our side. Nothing was stored.",
	    "Bizim tarafımızda bir sorun oluştu. Hiçbir şey kaydedilmedi.",
	    "حدث خطأ من جهتنا. لم يتم حفظ أي شيء.",
	    "ኣብ ወገንና ጌጋ ኣጋጢሙ። ዝተዓቀበ ነገር የለን።",
	    "我们这边出了问题。没有保存任何内容。" } } },
	/* Names of members that are not questions of the form, for error
	 * messages that name the field (forms_field_label). */
	{ "field.category", { {
	    "Onderwerp", "Subject", "Konu", "الموضوع", "ኣርእስቲ", "主题" } } },
	{ "field.subtype", { {
	    "Soort", "Kind", "Tür", "النوع", "ዓይነት", "类型" } } },
	/* Case states, in plain words. */
	{ "state.new", { {
	    "Uw melding is ontvangen en wacht op een behandelaar.",
	    "Your report has been received and is waiting for a case handler.",
	    "Bildiriminiz alındı ve bir görevliyi bekliyor.",
	    "تم استلام بلاغك وهو بانتظار موظف مختص.",
	    "ጸብጻብኩም በጺሑና ኣሎ፣ ንሰራሕተኛ ጉዳይ ይጽበ ኣሎ።",
	    "您的报告已收到，正在等待个案处理人员处理。" } } },
	{ "state.acknowledged", { {
	    "Een behandelaar heeft uw melding gezien.",
	    "A case handler has seen your report.",
	    "Bir görevli bildiriminizi gördü.",
	    "اطّلع موظف مختص على بلاغك.",
	    "ሓደ ሰራሕተኛ ጉዳይ ጸብጻብኩም ርእዩዎ ኣሎ።",
	    "个案处理人员已经看过您的报告。" } } },
	{ "state.in_progress", { {
	    "Er wordt aan uw melding gewerkt.",
	    "Your report is being worked on.",
	    "Bildiriminiz üzerinde çalışılıyor.",
	    "يجري العمل على بلاغك.",
	    "ኣብ ጸብጻብኩም ይስራሕ ኣሎ።",
	    "我们正在处理您的报告。" } } },
	{ "state.referred", { {
	    "Uw melding is doorgestuurd naar een organisatie die verder kan helpen.",
	    "Your report has been passed to an organisation that can help further.",
	    "Bildiriminiz daha fazla yardımcı olabilecek bir kuruluşa iletildi.",
	    "أُحيل بلاغك إلى جهة يمكنها تقديم مزيد من المساعدة.",
	    "ጸብጻብኩም ዝያዳ ክሕግዝ ናብ ዝኽእል ትካል ተላኢኹ ኣሎ።",
	    "您的报告已转交给能够进一步提供帮助的机构。" } } },
	{ "state.resolved", { {
	    "De behandeling van uw melding is afgerond.",
	    "The handling of your report is complete.",
	    "Bildiriminizin işlemi tamamlandı.",
	    "اكتملت معالجة بلاغك.",
	    "ምክትታል ጸብጻብኩም ተዛዚሙ ኣሎ።",
	    "您的报告已处理完毕。" } } },
	{ "state.unfounded", { {
	    "Na onderzoek is besloten uw melding niet verder te behandelen. Lees de berichten voor de uitleg.",
	    "After looking into it, we decided not to take your report further. See the messages for why.",
	    "İnceleme sonrasında bildiriminizle ilgili ileri işlem yapılmamasına karar verildi. Açıklama için mesajlara bakın.",
	    "بعد الدراسة تقرر عدم متابعة بلاغك. راجع الرسائل لمعرفة السبب.",
	    "ድሕሪ መጽናዕቲ፣ ንጸብጻብኩም ናብ ቅድሚት ከይንቕጽሎ ወሲንና። ምኽንያቱ ኣብቶም መልእኽትታት ርኣዩ።",
	    "经过调查，我们决定不再进一步处理您的报告。原因请看消息。" } } },
	{ "state.withdrawn", { {
	    "Uw melding is ingetrokken.",
	    "Your report has been withdrawn.",
	    "Bildiriminiz geri çekildi.",
	    "تم سحب بلاغك.",
	    "ጸብጻብኩም ተሰሒቡ ኣሎ።",
	    "您的报告已撤回。" } } },
	{ "state.closed", { {
	    "Uw melding is gesloten. U kunt nog steeds een bericht sturen.",
	    "Your report is closed. You can still send a message.",
	    "Bildiriminiz kapatıldı. Yine de mesaj gönderebilirsiniz.",
	    "تم إغلاق بلاغك. لا يزال بإمكانك إرسال رسالة.",
	    "ጸብጻብኩም ተዓጽዩ ኣሎ። ሕጂ'ውን መልእኽቲ ክትሰዱ ትኽእሉ ኢኹም።",
	    "您的报告已结案。您仍然可以发送消息。" } } },
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
	    "احتفظ برمزك في مكان آمن: فهو الطريقة الوحيدة للعودة إلى هذه الصفحة.",
	    "ስለ ጸብጻብኩም የመስግን። "
	    "ብደሓን በጺሑና፣ ብውሑስ መንገዲ ድማ ዓቂብናዮ ኣለና። "
	    "ሓደ ሰራሕተኛ ጉዳይ ክከታተሎ እዩ፤ ኣብ ውሽጢ ሰለስተ ኣዋርሕ ብዛዕባ ጸብጻብኩም እንታይ ከም ዝተገብረ ኣብዚ ክትሰምዑ ኢኹም። "
	    "ኮድኩም ብጥንቃቐ ዓቕብዎ፦ ናብዚ ገጽ ክትምለሱ እትኽእሉ ብእኡ ጥራይ እዩ።",
	    "感谢您的报告。"
	    "我们已经收到并安全保存。"
	    "个案处理人员会跟进处理；三个月内，您会在这里看到我们对您的报告采取了哪些措施。"
	    "请妥善保管您的代码：这是您回到这个页面的唯一方式。" } } },
	{ "urgent.received", { {
	    "Uw melding is als spoedmelding doorgezet; een behandelaar kijkt er binnen een uur naar.",
	    "Your report has been marked urgent; a case handler will look at it within one hour.",
	    "Bildiriminiz acil olarak işaretlendi; bir görevli bir saat içinde inceleyecek.",
	    "تم وضع علامة عاجل على بلاغك؛ سينظر فيه موظف مختص خلال ساعة واحدة.",
	    "ጸብጻብኩም ከም ህጹጽ ተመልኪቱ ኣሎ፤ ሓደ ሰራሕተኛ ጉዳይ ኣብ ውሽጢ ሓንቲ ሰዓት ክርእዮ እዩ።",
	    "您的报告已被标记为紧急；个案处理人员会在一小时内查看。" } } },
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
	    "يمكنك الرد هنا إذا كانت لديك أي أسئلة حول ذلك.",
	    "ሓደ ሰራሕተኛ ጉዳይ መን ምዃንኩም ሓቲቱ፣ ሓላፊ ብሕትውና ድማ ፈቒዱ ኣሎ። "
	    "ስለዚ ኣድራሻ ርክብኩም ነቲ ጸብጻብኩም ዝከታተል ሰራሕተኛ ክግለጽ እዩ። "
	    "ብዛዕባዚ ሕቶ እንተልዩኩም ኣብዚ ክትምልሱ ትኽእሉ ኢኹም።",
	    "个案处理人员申请了解您的身份，隐私官已经批准。"
	    "因此，您的联系方式将提供给负责您报告的个案处理人员。"
	    "如果您对此有任何疑问，可以在这里回复。" } } },
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
	    "سترى هنا متى قرأوها لأول مرة.",
	    "ጉጅለ ህጹጽ ኣገልግሎት ነቲ ዝገለጽኩሞ ኣድራሻ ርክብኩም ብቕጽበት ክድውለልኩም ወይ ክጽሕፈልኩም ክጥቀመሉ ፈቒድኩም ኣለኹም። "
	    "ክንብብዎ ዝኽእሉ ነቲ ጸብጻብኩም ዝከታተሉ ኣባላት ጉጅለ ህጹጽ ኣገልግሎት ጥራይ እዮም፣ ነፍሲ ወከፍ ግዜ ድማ ይምዝገብ። "
	    "መዓስ ንመጀመርታ ከም ዘንበብዎ ኣብዚ ክትርእዩ ኢኹም።",
	    "您已同意紧急小组按照您说明的方式，立即使用您的联系方式给您打电话或写信。"
	    "只有负责您报告的紧急小组成员才能阅读这些信息，每次阅读都会被记录。"
	    "您会在这里看到他们第一次阅读的时间。" } } },
	{ "contact.urgent_read", { {
	    "Het spoedteam heeft uw contactgegevens nu gelezen en kan contact met u opnemen zoals u aangaf.",
	    "The urgent team has now read your contact details and may contact you as you described.",
	    "Acil ekip iletişim bilgilerinizi şimdi okudu ve belirttiğiniz şekilde sizinle iletişime geçebilir.",
	    "قرأ فريق الطوارئ الآن بيانات الاتصال الخاصة بك وقد يتواصل معك كما وصفت.",
	    "ጉጅለ ህጹጽ ኣገልግሎት ሕጂ ኣድራሻ ርክብኩም ኣንቢቦምዎ፣ ከም ዝገለጽኩምዎ ክረኽቡኹም ይኽእሉ እዮም።",
	    "紧急小组现在已经阅读了您的联系方式，可能会按照您说明的方式与您联系。" } } },
	{ "receipt.keep", { {
	    "Dit is uw code. Schrijf hem op of bewaar hem veilig: hij wordt maar één keer getoond en wij kunnen hem niet herstellen.",
	    "This is your code. Write it down or store it safely: it is shown only once and we cannot recover it.",
	    "Bu sizin kodunuz. Not edin veya güvenle saklayın: yalnızca bir kez gösterilir ve biz onu kurtaramayız.",
	    "هذا هو رمزك. اكتبه أو احفظه في مكان آمن: يُعرض مرة واحدة فقط ولا يمكننا استعادته.",
	    "እዚ ኮድኩም እዩ። ጽሓፍዎ ወይ ብውሑስ ዓቕብዎ፦ ሓንሳብ ጥራይ እዩ ዝርአ፣ ንሕና ድማ ክንመልሶ ኣይንኽእልን።",
	    "这是您的代码。请写下来或妥善保存：它只显示一次，我们无法为您找回。" } } },
	{ "lang.fallback", { {
	    "De gevraagde taal is niet beschikbaar; dit formulier is in het Engels.",
	    "The requested language is not available; this form is in English.",
	    "İstenen dil mevcut değil; bu form İngilizcedir.",
	    "اللغة المطلوبة غير متوفرة؛ هذا النموذج باللغة الإنجليزية.",
	    "እቲ ዝተሓተተ ቋንቋ የለን፤ እዚ ቅጥዒ ብእንግሊዝኛ እዩ።",
	    "没有您要求的语言；此表单为英文。" } } },
	{ "message.empty_handler", { {
	    "(bericht kon niet worden gelezen)",
	    "(message could not be read)",
	    "(mesaj okunamadı)",
	    "(تعذرت قراءة الرسالة)",
	    "(እቲ መልእኽቲ ክንበብ ኣይከኣለን)",
	    "（无法读取这条消息）" } } },
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

const char *
i18n_key_at(size_t i)
{
	return (i < sizeof(msgs) / sizeof(msgs[0]) ? msgs[i].m_key : NULL);
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
