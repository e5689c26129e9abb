/*
 * The reporting form of meldpunt, in Dutch, English, Turkish, Arabic,
 * Tigrinya and (Simplified) Chinese.
 * See forms.h for why it is compiled in.  Texts are written for the
 * reporter, not for lawyers: what to choose, and that a question may be
 * skipped.  Ids are the clear values stored in casework.cases and in the
 * statistics; they match the casework.dim pattern [a-z0-9_]{1,40}.
 */
#include <stdio.h>
#include <string.h>

#include "forms/forms.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define T(nl, en, tr, ar, ti, zh)	{ { nl, en, tr, ar, ti, zh } }
#define NOHELP		{ { NULL, NULL, NULL, NULL, NULL, NULL } }

/* Labour-market discrimination: the situation. */
static const struct forms_option labour_subtypes[] = {
	{ "recruitment",
	  T("Solliciteren of werving", "Applying for a job or recruitment",
	    "İş başvurusu veya işe alım", "التقدم لوظيفة أو التوظيف",
	    "ስራሕ ምሕታት ወይ ምቑጻር",
	    "求职或招聘"),
	  T("U werd afgewezen of anders behandeld toen u solliciteerde.",
	    "You were turned down or treated differently when you applied.",
	    "Başvurduğunuzda reddedildiniz veya farklı muamele gördünüz.",
	    "رُفضت أو عوملت بشكل مختلف عندما تقدمت لوظيفة.",
	    "ስራሕ ክትሓቱ ከለኹም ተነጺግኩም ወይ ብዝተፈለየ መንገዲ ተተሓዚኩም።",
	    "您在求职时被拒绝，或受到区别对待。") },
	{ "internship",
	  T("Stage", "Internship", "Staj", "تدريب عملي",
	    "ልምምድ ስራሕ",
	    "实习"),
	  T("U kreeg geen stageplek of werd tijdens uw stage anders behandeld.",
	    "You did not get an internship or were treated differently during it.",
	    "Staj yeri alamadınız veya stajınız sırasında farklı muamele gördünüz.",
	    "لم تحصل على مكان تدريب أو عوملت بشكل مختلف أثناءه.",
	    "ቦታ ልምምድ ስራሕ ኣይረኸብኩምን፣ ወይ ኣብ እዋን ልምምድኩም ብዝተፈለየ መንገዲ ተተሓዚኩም።",
	    "您没有得到实习机会，或在实习期间受到区别对待。") },
	{ "promotion",
	  T("Promotie of loopbaan", "Promotion or career",
	    "Terfi veya kariyer", "الترقية أو المسار المهني",
	    "ዕቤት ወይ ሞያዊ ምዕባለ",
	    "晋升或职业发展"),
	  T("U werd gepasseerd voor promotie, opleiding of een beter contract.",
	    "You were passed over for promotion, training or a better contract.",
	    "Terfi, eğitim veya daha iyi bir sözleşme için göz ardı edildiniz.",
	    "تم تجاوزك في الترقية أو التدريب أو عقد أفضل.",
	    "ንዕቤት፣ ስልጠና ወይ ዝሓሸ ውዕል ክትረኽቡ ከለኹም ተሓሊፍኩም።",
	    "您在晋升、培训或获得更好的合同时被忽略。") },
	{ "at_work",
	  T("Op het werk", "At work", "İş yerinde", "في العمل",
	    "ኣብ ስራሕ",
	    "在工作中"),
	  T("U werd op het werk slechter behandeld, bijvoorbeeld in loon, taken of opmerkingen.",
	    "You were treated worse at work, for example in pay, tasks or remarks.",
	    "İş yerinde daha kötü muamele gördünüz; örneğin ücret, görevler veya sözler.",
	    "عوملت بشكل أسوأ في العمل، مثلاً في الأجر أو المهام أو التعليقات.",
	    "ኣብ ስራሕ ካብ ካልኦት ብዝገደደ ተተሓዚኩም፣ ንኣብነት ብደሞዝ፣ ብዕማማት ወይ ብዘረባታት።",
	    "您在工作中受到更差的对待，例如在工资、工作任务或言语方面。") },
	{ "dismissal",
	  T("Ontslag", "Dismissal", "İşten çıkarılma", "الفصل من العمل",
	    "ካብ ስራሕ ምስጓግ",
	    "解雇"),
	  T("U werd ontslagen of uw contract werd niet verlengd.",
	    "You were dismissed or your contract was not renewed.",
	    "İşten çıkarıldınız veya sözleşmeniz uzatılmadı.",
	    "فُصلت من العمل أو لم يُجدَّد عقدك.",
	    "ካብ ስራሕ ተሰጒግኩም ወይ ውዕልኩም ኣይተሓደሰን።",
	    "您被解雇，或您的合同没有续签。") },
};

/* Unwanted foreign interference (OBI): the kind. */
static const struct forms_option obi_subtypes[] = {
	{ "diaspora_tax",
	  T("Diasporabelasting of financiële druk", "Diaspora tax or financial pressure",
	    "Diaspora vergisi veya mali baskı", "ضريبة الشتات أو الضغط المالي",
	    "ግብሪ ዲያስፖራ (2%) ወይ ናይ ገንዘብ ጸቕጢ",
	    "侨民税或经济压力"),
	  T("U wordt onder druk gezet om geld te betalen aan een buitenlandse staat of haar vertegenwoordigers.",
	    "You are pressured to pay money to a foreign state or its representatives.",
	    "Yabancı bir devlete veya temsilcilerine para ödemeniz için baskı yapılıyor.",
	    "يُضغط عليك لدفع أموال لدولة أجنبية أو لممثليها.",
	    "ንሓንቲ ወጻኢ ሃገር ወይ ንወከልታ (ንኣብነት ኤምባሲ) ገንዘብ ክትከፍሉ ጸቕጢ ይግበረኩም ኣሎ።",
	    "有人向您施压，要求您向外国政府或其代表（例如使领馆）付钱。") },
	{ "intimidation",
	  T("Intimidatie of bedreiging", "Intimidation or threats",
	    "Yıldırma veya tehdit", "الترهيب أو التهديد",
	    "ምስንባድ ወይ ምፍርራሕ",
	    "恐吓或威胁"),
	  T("U of uw familie wordt bang gemaakt of bedreigd door mensen die namens een buitenlandse staat handelen.",
	    "You or your family are frightened or threatened by people acting for a foreign state.",
	    "Siz veya aileniz, yabancı bir devlet adına hareket eden kişilerce korkutuluyor veya tehdit ediliyor.",
	    "أنت أو عائلتك تتعرضون للتخويف أو التهديد من أشخاص يعملون لصالح دولة أجنبية.",
	    "ብስም ሓንቲ ወጻኢ ሃገር ዝንቀሳቐሱ ሰባት ንዓኹም ወይ ንስድራኹም የሰንብዱ ወይ የፈራርሑ ኣለዉ።",
	    "代表外国政府行事的人在恐吓或威胁您或您的家人。") },
	{ "surveillance",
	  T("Bespieden of informanten", "Surveillance or informants",
	    "Gözetleme veya muhbirler", "المراقبة أو المخبرون",
	    "ምክትታል ወይ ሰለይቲ",
	    "监视或线人"),
	  T("U wordt gevolgd of bespied, of mensen in uw omgeving worden gevraagd over u te rapporteren.",
	    "You are followed or watched, or people around you are asked to report on you.",
	    "Takip ediliyor veya gözetleniyorsunuz ya da çevrenizdeki kişilerden sizin hakkınızda bilgi vermeleri isteniyor.",
	    "تتم ملاحقتك أو مراقبتك، أو يُطلب من أشخاص حولك تقديم تقارير عنك.",
	    "ትስዓቡ ወይ ትቋጻጸሩ ኣለኹም፣ ወይ ኣብ ከባቢኹም ዘለዉ ሰባት ብዛዕባኹም ሓበሬታ ክህቡ ይሕተቱ ኣለዉ።",
	    "有人跟踪或监视您，或要求您身边的人汇报您的情况。") },
	{ "family_pressure",
	  T("Druk op familie in het buitenland", "Pressure on family abroad",
	    "Yurt dışındaki aileye baskı", "الضغط على العائلة في الخارج",
	    "ኣብ ዓዲ ንዘለዉ ስድራ ጸቕጢ ምግባር",
	    "对原籍国家人施压"),
	  T("Uw familie in het land van herkomst wordt onder druk gezet vanwege wat u hier doet.",
	    "Your family in the country of origin is pressured because of what you do here.",
	    "Menşe ülkedeki aileniz, burada yaptıklarınız nedeniyle baskı altına alınıyor.",
	    "تتعرض عائلتك في بلد المنشأ للضغط بسبب ما تفعله هنا.",
	    "ኣብቲ ዝመጻእኩምሉ ሃገር ዘለዉ ስድራኹም፣ ብሰንኪ ኣብዚ ትገብርዎ ዘለኹም ጸቕጢ ይግበረሎም ኣሎ።",
	    "由于您在这里的活动，您在原籍国的家人受到施压。") },
	{ "coercion_return",
	  T("Dwang om terug te keren", "Coercion to return",
	    "Geri dönmeye zorlama", "الإكراه على العودة",
	    "ናብ ዓዲ ክትምለሱ ምግዳድ",
	    "被迫回国"),
	  T("U wordt gedwongen of gelokt om terug te gaan naar het land van herkomst.",
	    "You are forced or lured to go back to the country of origin.",
	    "Menşe ülkeye geri dönmeye zorlanıyor veya kandırılıyorsunuz.",
	    "تُجبر أو تُستدرج للعودة إلى بلد المنشأ.",
	    "ናብቲ ዝመጻእኩምሉ ሃገር ክትምለሱ ትግደዱ ወይ ትታለሉ ኣለኹም።",
	    "有人强迫或诱骗您返回原籍国。") },
	{ "online_harassment",
	  T("Online intimidatie", "Online harassment",
	    "Çevrimiçi taciz", "التحرش عبر الإنترنت",
	    "ኣብ ኢንተርነት ምጭናቕ",
	    "网络骚扰"),
	  T("U wordt online lastiggevallen, bedreigd of zwartgemaakt.",
	    "You are harassed, threatened or smeared online.",
	    "İnternette taciz ediliyor, tehdit ediliyor veya karalanıyorsunuz.",
	    "تتعرض للمضايقة أو التهديد أو التشهير عبر الإنترنت.",
	    "ኣብ ኢንተርነት ትጭነቑ፣ ትፈራርሑ ወይ ስምኩም ይጸልም ኣሎ።",
	    "您在网上受到骚扰、威胁或抹黑。") },
	{ "funding_influence",
	  T("Invloed via financiering", "Influence through funding",
	    "Finansman yoluyla etki", "التأثير عن طريق التمويل",
	    "ብገንዘብ ዝግበር ጽልዋ",
	    "通过资金施加影响"),
	  T("Een vereniging, moskee, school of organisatie wordt via geld gestuurd door een buitenlandse staat.",
	    "An association, mosque, school or organisation is steered by a foreign state through money.",
	    "Bir dernek, cami, okul veya kuruluş yabancı bir devlet tarafından para yoluyla yönlendiriliyor.",
	    "توجّه دولة أجنبية جمعية أو مسجداً أو مدرسة أو منظمة عن طريق المال.",
	    "ሓደ ማሕበር፣ ቤት ጸሎት፣ ቤት ትምህርቲ ወይ ትካል ብገንዘብ ኣቢሉ ብሓንቲ ወጻኢ ሃገር ይምራሕ ኣሎ።",
	    "某个协会、宗教场所、学校或组织通过资金受到外国政府的操控。") },
};

/* Honour-related violence: the signal. */
static const struct forms_option honour_subtypes[] = {
	{ "threats",
	  T("Bedreiging", "Threats", "Tehdit", "التهديد",
	    "ምፍርራሕ",
	    "威胁"),
	  T("Iemand wordt bedreigd omdat hij of zij de eer van de familie zou hebben geschonden.",
	    "Someone is threatened because they are said to have harmed the family's honour.",
	    "Birisi ailenin namusunu lekelediği iddiasıyla tehdit ediliyor.",
	    "يتعرض شخص للتهديد بحجة أنه مسّ بشرف العائلة.",
	    "ሓደ ሰብ ክብሪ ስድራ ኣጉዲሉ ተባሂሉ ይፈራራሕ ኣሎ።",
	    "有人因被指损害了家族名誉而受到威胁。") },
	{ "forced_marriage",
	  T("Gedwongen huwelijk", "Forced marriage",
	    "Zorla evlendirme", "الزواج القسري",
	    "ብግዲ መርዓ",
	    "强迫婚姻"),
	  T("Iemand wordt gedwongen te trouwen, of een huwelijk wordt geregeld zonder echte toestemming.",
	    "Someone is forced to marry, or a marriage is arranged without real consent.",
	    "Birisi evlenmeye zorlanıyor veya gerçek rızası olmadan bir evlilik ayarlanıyor.",
	    "يُجبر شخص على الزواج، أو يُرتَّب زواج دون موافقة حقيقية.",
	    "ሓደ ሰብ ክምርዖ ይግደድ ኣሎ፣ ወይ ብዘይ ናይ ሓቂ ፍቓዱ መርዓ ይዳሎ ኣሎ።",
	    "有人被迫结婚，或在没有真正同意的情况下被安排婚事。") },
	{ "marital_captivity",
	  T("Huwelijkse gevangenschap", "Marital captivity",
	    "Evlilik esareti", "الاحتجاز الزوجي",
	    "ኣብ መርዓ ብግዲ ምሓዝ",
	    "被困于婚姻"),
	  T("Iemand wordt tegen de eigen wil in een huwelijk vastgehouden, bijvoorbeeld door weigering van een scheiding.",
	    "Someone is held in a marriage against their will, for example by refusal of a divorce.",
	    "Birisi iradesi dışında bir evlilikte tutuluyor; örneğin boşanmanın reddedilmesiyle.",
	    "يُحتجز شخص في زواج رغماً عنه، مثلاً برفض الطلاق.",
	    "ሓደ ሰብ ኣንጻር ድሌቱ ኣብ መርዓ ተታሒዙ ኣሎ፣ ንኣብነት ፍትሒ ብምኽልካል።",
	    "有人违背自己的意愿被困在婚姻中，例如被拒绝离婚。") },
	{ "abandonment_abroad",
	  T("Achterlating in het buitenland", "Abandonment abroad",
	    "Yurt dışında bırakılma", "الترك في الخارج",
	    "ኣብ ወጻኢ ምግዳፍ",
	    "被遗弃在国外"),
	  T("Iemand is of wordt tegen de eigen wil in het buitenland achtergelaten, vaak zonder paspoort.",
	    "Someone is or will be left abroad against their will, often without a passport.",
	    "Birisi iradesi dışında, çoğu zaman pasaportu olmadan yurt dışında bırakıldı veya bırakılacak.",
	    "تُرك شخص أو سيُترك في الخارج رغماً عنه، وغالباً دون جواز سفر.",
	    "ሓደ ሰብ ኣንጻር ድሌቱ ኣብ ወጻኢ ተገዲፉ ኣሎ ወይ ክግደፍ እዩ፣ መብዛሕትኡ ግዜ ብዘይ ፓስፖርት።",
	    "有人违背自己的意愿已经或将要被留在国外，而且往往没有护照。") },
	{ "fgm_risk",
	  T("Risico op meisjesbesnijdenis", "Risk of female genital mutilation",
	    "Kadın sünneti riski", "خطر تشويه الأعضاء التناسلية للإناث (الختان)",
	    "ሓደጋ ግዝረት ደቂ ኣንስትዮ",
	    "女性生殖器切割（割礼）的风险"),
	  T("Een meisje of vrouw loopt het risico besneden te worden, hier of tijdens een reis.",
	    "A girl or woman is at risk of being cut, here or during a trip.",
	    "Bir kız çocuğu veya kadın, burada ya da bir seyahat sırasında sünnet edilme riski altında.",
	    "فتاة أو امرأة معرضة لخطر الختان، هنا أو أثناء سفر.",
	    "ሓንቲ ጓል ወይ ሰበይቲ፣ ኣብዚ ወይ ኣብ እዋን ጉዕዞ ክትግዘር ሓደጋ ኣሎ።",
	    "有女孩或妇女面临被切割的风险，无论是在这里还是在旅行期间。") },
	{ "restriction_of_freedom",
	  T("Ernstige beperking van vrijheid", "Severe restriction of freedom",
	    "Özgürlüğün ciddi şekilde kısıtlanması", "تقييد شديد للحرية",
	    "ከቢድ ምግታእ ናጽነት",
	    "严重限制自由"),
	  T("Iemand mag niet zelf beslissen over school, werk, vrienden, kleding of relaties en wordt gecontroleerd.",
	    "Someone may not decide about school, work, friends, clothing or relationships and is controlled.",
	    "Birisi okul, iş, arkadaşlar, giyim veya ilişkiler hakkında kendisi karar veremiyor ve kontrol ediliyor.",
	    "لا يُسمح لشخص بأن يقرر بنفسه بشأن الدراسة أو العمل أو الأصدقاء أو اللباس أو العلاقات، ويخضع للرقابة.",
	    "ሓደ ሰብ ብዛዕባ ትምህርቲ፣ ስራሕ፣ ኣዕሩኽ፣ ክዳን ወይ ርክባት ባዕሉ ክውስን ኣይፍቀደሉን፣ ከምኡ'ውን ይቋጻጸር ኣሎ።",
	    "有人不能自己决定上学、工作、交友、穿着或恋爱关系，并且受到控制。") },
};

static const struct forms_option grounds[] = {
	{ "origin", T("Afkomst", "Origin", "Köken", "الأصل",
	    "መበቆል",
	    "出身"), NOHELP },
	{ "nationality", T("Nationaliteit", "Nationality", "Uyruk", "الجنسية",
	    "ዜግነት",
	    "国籍"), NOHELP },
	{ "religion", T("Godsdienst of levensovertuiging", "Religion or belief",
	    "Din veya inanç", "الدين أو المعتقد",
	    "ሃይማኖት ወይ እምነት",
	    "宗教或信仰"), NOHELP },
	{ "skin_colour", T("Huidskleur", "Skin colour", "Ten rengi", "لون البشرة",
	    "ሕብሪ ቆርበት",
	    "肤色"), NOHELP },
	{ "sex", T("Geslacht", "Sex", "Cinsiyet", "الجنس",
	    "ጾታ",
	    "性别"), NOHELP },
	{ "age", T("Leeftijd", "Age", "Yaş", "العمر",
	    "ዕድመ",
	    "年龄"), NOHELP },
	{ "disability", T("Handicap of chronische ziekte", "Disability or chronic illness",
	    "Engellilik veya kronik hastalık", "الإعاقة أو المرض المزمن",
	    "ስንክልና ወይ ሕዱር ሕማም",
	    "残疾或慢性病"), NOHELP },
	{ "sexual_orientation", T("Seksuele gerichtheid", "Sexual orientation",
	    "Cinsel yönelim", "التوجه الجنسي",
	    "ጾታዊ ዝንባለ",
	    "性取向"), NOHELP },
};

static const struct forms_option sectors[] = {
	{ "care", T("Zorg en welzijn", "Health and social care",
	    "Sağlık ve sosyal hizmetler", "الرعاية الصحية والاجتماعية",
	    "ጥዕናን ማሕበራዊ ክንክንን",
	    "医疗和社会护理"), NOHELP },
	{ "education", T("Onderwijs", "Education", "Eğitim", "التعليم",
	    "ትምህርቲ",
	    "教育"), NOHELP },
	{ "hospitality", T("Horeca", "Hotels, restaurants and cafés",
	    "Otel, restoran ve kafeler", "الفنادق والمطاعم والمقاهي",
	    "ሆቴላት፣ ቤት መግብታትን ካፈታትን",
	    "酒店、餐馆和咖啡馆"), NOHELP },
	{ "retail", T("Detailhandel", "Retail", "Perakende", "تجارة التجزئة",
	    "ድኳናትን ንግድን",
	    "零售"), NOHELP },
	{ "logistics", T("Transport en logistiek", "Transport and logistics",
	    "Ulaşım ve lojistik", "النقل والخدمات اللوجستية",
	    "መጓዓዝያን ሎጂስቲክስን",
	    "运输和物流"), NOHELP },
	{ "construction", T("Bouw", "Construction", "İnşaat", "البناء",
	    "ስራሕ ህንጻ",
	    "建筑"), NOHELP },
	{ "industry", T("Industrie", "Manufacturing", "Sanayi", "الصناعة",
	    "ኢንዱስትሪ",
	    "制造业"), NOHELP },
	{ "agriculture", T("Land- en tuinbouw", "Agriculture and horticulture",
	    "Tarım ve bahçecilik", "الزراعة والبستنة",
	    "ሕርሻን ኣታኽልትን",
	    "农业和园艺"), NOHELP },
	{ "ict", T("ICT", "IT and telecoms", "Bilişim ve telekomünikasyon",
	    "تقنية المعلومات والاتصالات",
	    "ቴክኖሎጂ ሓበሬታን ተሌኮምን",
	    "信息技术和电信"), NOHELP },
	{ "finance", T("Financiële dienstverlening", "Financial services",
	    "Finansal hizmetler", "الخدمات المالية",
	    "ፋይናንሳዊ ኣገልግሎታት",
	    "金融服务"), NOHELP },
	{ "government", T("Overheid", "Government", "Kamu sektörü", "القطاع الحكومي",
	    "መንግስቲ",
	    "政府部门"), NOHELP },
	{ "cleaning", T("Schoonmaak", "Cleaning", "Temizlik", "التنظيف",
	    "ስራሕ ጽሬት",
	    "清洁"), NOHELP },
	{ "temp_agency", T("Uitzendbureau", "Temporary employment agency",
	    "Geçici istihdam bürosu", "وكالة التوظيف المؤقت",
	    "ኤጀንሲ ግዝያዊ ስራሕ",
	    "劳务派遣机构"), NOHELP },
	{ "other", T("Anders", "Other", "Diğer", "أخرى",
	    "ካልእ",
	    "其他"), NOHELP },
};

static const struct forms_option provinces[] = {
	{ "groningen", T("Groningen", "Groningen", "Groningen", "خرونينغن",
	    "ግሮኒንገን",
	    "格罗宁根省"), NOHELP },
	{ "friesland", T("Fryslân", "Friesland", "Friesland", "فريسلاند",
	    "ፍሪስላንድ",
	    "弗里斯兰省"), NOHELP },
	{ "drenthe", T("Drenthe", "Drenthe", "Drenthe", "درينته",
	    "ድረንተ",
	    "德伦特省"), NOHELP },
	{ "overijssel", T("Overijssel", "Overijssel", "Overijssel", "أوفرآيسل",
	    "ኦቨርአይሰል",
	    "上艾瑟尔省"), NOHELP },
	{ "flevoland", T("Flevoland", "Flevoland", "Flevoland", "فليفولاند",
	    "ፍለቮላንድ",
	    "弗莱福兰省"), NOHELP },
	{ "gelderland", T("Gelderland", "Gelderland", "Gelderland", "خيلدرلاند",
	    "ገልደርላንድ",
	    "海尔德兰省"), NOHELP },
	{ "utrecht", T("Utrecht", "Utrecht", "Utrecht", "أوتريخت",
	    "ኡትረኽት",
	    "乌得勒支省"), NOHELP },
	{ "noord_holland", T("Noord-Holland", "North Holland", "Kuzey Hollanda",
	    "شمال هولندا",
	    "ሰሜን ሆላንድ",
	    "北荷兰省"), NOHELP },
	{ "zuid_holland", T("Zuid-Holland", "South Holland", "Güney Hollanda",
	    "جنوب هولندا",
	    "ደቡብ ሆላንድ",
	    "南荷兰省"), NOHELP },
	{ "zeeland", T("Zeeland", "Zeeland", "Zeeland", "زيلاند",
	    "ዘይላንድ",
	    "泽兰省"), NOHELP },
	{ "noord_brabant", T("Noord-Brabant", "North Brabant", "Kuzey Brabant",
	    "شمال برابانت",
	    "ሰሜን ብራባንት",
	    "北布拉班特省"), NOHELP },
	{ "limburg", T("Limburg", "Limburg", "Limburg", "ليمبورخ",
	    "ሊምቡርግ",
	    "林堡省"), NOHELP },
};

static const struct forms_question questions[] = {
	{ "ground", FORMS_CHOICE,
	  T("Waarom denkt u dat dit gebeurde?", "Why do you think this happened?",
	    "Sizce bu neden oldu?", "لماذا تعتقد أن هذا حدث؟",
	    "እዚ ስለምንታይ ዝተፈጸመ ይመስለኩም?",
	    "您认为这件事为什么会发生？"),
	  T("Kies de belangrijkste reden. U mag deze vraag overslaan.",
	    "Choose the main reason. You may skip this question.",
	    "En önemli nedeni seçin. Bu soruyu atlayabilirsiniz.",
	    "اختر السبب الرئيسي. يمكنك تخطي هذا السؤال.",
	    "እቲ ቀንዲ ምኽንያት ምረጹ። ነዚ ሕቶ ክትሓልፍዎ ትኽእሉ ኢኹም።",
	    "请选择主要原因。您可以跳过这个问题。"),
	  grounds, N(grounds) },
	{ "sector", FORMS_CHOICE,
	  T("In welke sector?", "In which sector?", "Hangi sektörde?",
	    "في أي قطاع؟",
	    "ኣብ ኣየናይ ዓውዲ ስራሕ?",
	    "在哪个行业？"),
	  T("De sector van de werkgever of het bedrijf. U mag deze vraag overslaan.",
	    "The sector of the employer or company. You may skip this question.",
	    "İşverenin veya şirketin sektörü. Bu soruyu atlayabilirsiniz.",
	    "قطاع صاحب العمل أو الشركة. يمكنك تخطي هذا السؤال.",
	    "ዓውዲ ስራሕ ናይቲ ኣስራሒ ወይ ትካል። ነዚ ሕቶ ክትሓልፍዎ ትኽእሉ ኢኹም።",
	    "雇主或公司所在的行业。您可以跳过这个问题。"),
	  sectors, N(sectors) },
	{ "province", FORMS_CHOICE,
	  T("In welke provincie gebeurde het?", "In which province did it happen?",
	    "Hangi ilde oldu?", "في أي مقاطعة حدث ذلك؟",
	    "ኣብ ኣየናይ ክፍለ ሃገር ተፈጺሙ?",
	    "事情发生在哪个省？"),
	  T("Alleen de provincie, geen adres. U mag deze vraag overslaan.",
	    "Only the province, no address. You may skip this question.",
	    "Yalnızca il, adres değil. Bu soruyu atlayabilirsiniz.",
	    "المقاطعة فقط، دون عنوان. يمكنك تخطي هذا السؤال.",
	    "ክፍለ ሃገር ጥራይ፣ ኣድራሻ ኣይኮነን። ነዚ ሕቶ ክትሓልፍዎ ትኽእሉ ኢኹም።",
	    "只需省份，不需要地址。您可以跳过这个问题。"),
	  provinces, N(provinces) },
	{ "immediate_danger", FORMS_BOOL,
	  T("Is er nu direct gevaar?", "Is there immediate danger now?",
	    "Şu anda acil bir tehlike var mı?", "هل يوجد خطر مباشر الآن؟",
	    "ሕጂ ቅጽበታዊ ሓደጋ ኣሎ ድዩ?",
	    "现在是否有紧迫的危险？"),
	  T("Kies ja als iemand nu in gevaar is. Bel dan ook meteen 112.",
	    "Choose yes if someone is in danger now. Then also call 112 at once.",
	    "Birisi şu anda tehlikedeyse evet'i seçin. Ayrıca hemen 112'yi arayın.",
	    "اختر نعم إذا كان أحد في خطر الآن، واتصل أيضاً بالرقم 112 فوراً.",
	    "ሕጂ ሓደ ሰብ ኣብ ሓደጋ እንተሎ «እወ» ምረጹ። ሽዑ ድማ ብቕልጡፍ ናብ 112 ደውሉ።",
	    "如果现在有人处于危险之中，请选择“是”，并立即拨打 112。"),
	  NULL, 0 },
	{ "travel_date", FORMS_DATE,
	  T("Is er een reis naar het buitenland gepland? Zo ja, wanneer?",
	    "Is a trip abroad planned? If so, when?",
	    "Yurt dışına bir seyahat planlanıyor mu? Evetse, ne zaman?",
	    "هل هناك سفر إلى الخارج مخطط له؟ إذا كان الأمر كذلك، متى؟",
	    "ናብ ወጻኢ ዝተመደበ ጉዕዞ ኣሎ ድዩ? እንተሎ፣ መዓስ?",
	    "是否有计划出国旅行？如果有，是什么时候？"),
	  T("Bij een reis binnen 14 dagen behandelen we de melding met spoed. De datum zelf wordt niet bewaard.",
	    "If the trip is within 14 days we treat the report as urgent. The date itself is not kept.",
	    "Seyahat 14 gün içindeyse bildirimi acil olarak ele alırız. Tarihin kendisi saklanmaz.",
	    "إذا كان السفر خلال 14 يوماً فسنتعامل مع البلاغ على أنه عاجل. لا يتم حفظ التاريخ نفسه.",
	    "እቲ ጉዕዞ ኣብ ውሽጢ 14 መዓልቲ እንተኾይኑ፣ ነቲ ጸብጻብ ከም ህጹጽ ንሕዞ። እቲ ዕለት ባዕሉ ኣይዕቀብን።",
	    "如果旅行在 14 天之内，我们会把这份报告作为紧急情况处理。日期本身不会被保存。"),
	  NULL, 0 },
};

static const struct forms_qref labour_q[] = {
	{ "ground", 0 }, { "sector", 0 }, { "province", 0 },
};
static const struct forms_qref obi_q[] = {
	{ "province", 0 },
};
static const struct forms_qref honour_q[] = {
	{ "immediate_danger", 1 }, { "travel_date", 0 }, { "province", 0 },
};

static const struct forms_category categories[] = {
	{ "labour_discrimination",
	  T("Discriminatie op de arbeidsmarkt", "Discrimination in work",
	    "İş hayatında ayrımcılık", "التمييز في العمل",
	    "ኣብ ስራሕ ኣድልዎ",
	    "工作中的歧视"),
	  T("U werd geweigerd voor een baan, stage of promotie, of slechter behandeld op het werk, vanwege bijvoorbeeld afkomst, geloof, huidskleur, geslacht, leeftijd, handicap of seksuele gerichtheid.",
	    "You were refused a job, internship or promotion, or treated worse at work, because of for example origin, religion, skin colour, sex, age, disability or sexual orientation.",
	    "Köken, din, ten rengi, cinsiyet, yaş, engellilik veya cinsel yönelim gibi nedenlerle bir işe, staja veya terfiye kabul edilmediniz ya da iş yerinde daha kötü muamele gördünüz.",
	    "رُفضت لوظيفة أو تدريب أو ترقية، أو عوملت بشكل أسوأ في العمل، بسبب الأصل أو الدين أو لون البشرة أو الجنس أو العمر أو الإعاقة أو التوجه الجنسي مثلاً.",
	    "ንኣብነት ብሰንኪ መበቆል፣ ሃይማኖት፣ ሕብሪ ቆርበት፣ ጾታ፣ ዕድመ፣ ስንክልና ወይ ጾታዊ ዝንባለ፣ ስራሕ፣ ልምምድ ስራሕ ወይ ዕቤት ተኸልኪልኩም፣ ወይ ኣብ ስራሕ ብዝገደደ ተተሓዚኩም።",
	    "您因出身、宗教、肤色、性别、年龄、残疾或性取向等原因，被拒绝工作、实习或晋升，或在工作中受到更差的对待。"),
	  labour_subtypes, N(labour_subtypes), labour_q, N(labour_q), 0 },
	{ "foreign_interference",
	  T("Ongewenste buitenlandse inmenging", "Unwanted foreign interference",
	    "İstenmeyen yabancı müdahale", "التدخل الأجنبي غير المرغوب فيه",
	    "ዘይተደልየ ጣልቃ ኣታውነት ወጻኢ ሃገር",
	    "不受欢迎的外国干涉"),
	  T("Een buitenlandse staat of mensen die namens die staat handelen, zetten u of uw gemeenschap hier onder druk.",
	    "A foreign state, or people acting for it, put you or your community here under pressure.",
	    "Yabancı bir devlet veya onun adına hareket eden kişiler, sizi veya buradaki topluluğunuzu baskı altına alıyor.",
	    "دولة أجنبية، أو أشخاص يعملون لصالحها، يمارسون الضغط عليك أو على جاليتك هنا.",
	    "ሓንቲ ወጻኢ ሃገር፣ ወይ ብስማ ዝንቀሳቐሱ ሰባት፣ ኣብዚ ንዓኹም ወይ ንሕብረተሰብኩም ጸቕጢ ይገብሩ ኣለዉ።",
	    "某个外国政府或代表它行事的人，在这里向您或您所在的社群施压。"),
	  obi_subtypes, N(obi_subtypes), obi_q, N(obi_q), 0 },
	{ "honour_violence",
	  T("Eergerelateerd geweld", "Honour-related violence",
	    "Namus adına şiddet", "العنف المرتبط بالشرف",
	    "ምስ ክብሪ ዝተተሓሓዘ ዓመጽ",
	    "与名誉相关的暴力"),
	  T("Signalen van geweld of dwang om de eer van een familie of gemeenschap, zoals bedreiging, een gedwongen huwelijk of achterlating in het buitenland. Bij direct gevaar: bel 112.",
	    "Signs of violence or coercion over the honour of a family or community, such as threats, a forced marriage or being left abroad. In immediate danger: call 112.",
	    "Bir ailenin veya topluluğun namusu adına şiddet veya baskı belirtileri; tehdit, zorla evlendirme veya yurt dışında bırakılma gibi. Acil tehlikede: 112'yi arayın.",
	    "علامات عنف أو إكراه باسم شرف عائلة أو جماعة، مثل التهديد أو الزواج القسري أو الترك في الخارج. في حالة الخطر المباشر: اتصل بالرقم 112.",
	    "ብስም ክብሪ ስድራ ወይ ሕብረተሰብ ዝግበር ዓመጽ ወይ ምግዳድ ምልክታት፣ ከም ምፍርራሕ፣ ብግዲ መርዓ ወይ ኣብ ወጻኢ ምግዳፍ። ኣብ ቅጽበታዊ ሓደጋ፦ ናብ 112 ደውሉ።",
	    "以家庭或群体名誉为由的暴力或胁迫迹象，例如威胁、强迫婚姻或被遗弃在国外。如有紧迫危险：请拨打 112。"),
	  honour_subtypes, N(honour_subtypes), honour_q, N(honour_q), 1 },
};

/* What goes inside the envelope, and the optional contact details. */
static const struct forms_option content_fields[] = {
	{ "narrative",
	  T("Wat is er gebeurd?", "What happened?", "Ne oldu?", "ماذا حدث؟",
	    "እንታይ ተፈጺሙ?",
	    "发生了什么？"),
	  T("Vertel in uw eigen woorden wat er gebeurde, wanneer en waar. Noem alleen namen als dat nodig is. Deze tekst wordt versleuteld; alleen behandelaars kunnen hem lezen.",
	    "Tell in your own words what happened, when and where. Only give names if needed. This text is encrypted; only case handlers can read it.",
	    "Ne olduğunu, ne zaman ve nerede olduğunu kendi sözlerinizle anlatın. Yalnızca gerekirse isim verin. Bu metin şifrelenir; yalnızca görevliler okuyabilir.",
	    "اروِ بكلماتك ما حدث ومتى وأين. لا تذكر أسماء إلا عند الحاجة. هذا النص مشفّر ولا يستطيع قراءته إلا الموظفون المختصون.",
	    "እንታይ፣ መዓስን ኣበይን ከም ዝተፈጸመ ብቓላትኩም ንገሩና። ኣስማት ኣድላዪ እንተኾይኑ ጥራይ ጥቐሱ። እዚ ጽሑፍ ይምስጠር፤ ክንብብዎ ዝኽእሉ ጉዳይ ዝከታተሉ ሰራሕተኛታት ጥራይ እዮም።",
	    "请用您自己的话讲述发生了什么、在什么时间和地点。只在必要时写出姓名。这段文字会被加密，只有个案处理人员可以阅读。") },
};

static const struct forms_option contact_fields[] = {
	{ "name", T("Naam", "Name", "Ad", "الاسم",
	    "ስም",
	    "姓名"),
	  T("Mag ook een voornaam of schuilnaam zijn.",
	    "May be a first name or an alias.",
	    "Sadece ad veya takma ad da olabilir.",
	    "يمكن أن يكون الاسم الأول أو اسماً مستعاراً.",
	    "ቀዳማይ ስም ወይ ተለዋጢ ስም'ውን ክኸውን ይኽእል።",
	    "可以只写名字，也可以用化名。") },
	{ "phone", T("Telefoonnummer", "Phone number", "Telefon numarası", "رقم الهاتف",
	    "ቁጽሪ ተሌፎን",
	    "电话号码"),
	  T("Wanneer en hoe we u veilig kunnen bellen, kunt u hieronder zetten.",
	    "You can say below when and how we can call you safely.",
	    "Sizi ne zaman ve nasıl güvenle arayabileceğimizi aşağıya yazabilirsiniz.",
	    "يمكنك أن تكتب أدناه متى وكيف يمكننا الاتصال بك بأمان.",
	    "መዓስን ብኸመይን ብውሑስ ክንድውለልኩም ከም እንኽእል ኣብ ታሕቲ ክትጽሕፉ ትኽእሉ ኢኹም።",
	    "您可以在下面写明我们何时、以何种方式给您打电话是安全的。") },
	{ "email", T("E-mailadres", "Email address", "E-posta adresi", "البريد الإلكتروني",
	    "ኣድራሻ ኢመይል",
	    "电子邮箱"),
	  NOHELP },
	{ "note", T("Opmerking over contact", "Note about contact",
	    "İletişim hakkında not", "ملاحظة حول التواصل",
	    "ብዛዕባ ርክብ መዘኻኸሪ",
	    "关于联系的说明"),
	  T("Bijvoorbeeld: alleen overdag bellen, geen voicemail inspreken.",
	    "For example: only call during the day, do not leave a voicemail.",
	    "Örneğin: yalnızca gündüz arayın, sesli mesaj bırakmayın.",
	    "مثلاً: اتصل نهاراً فقط، ولا تترك رسالة صوتية.",
	    "ንኣብነት፦ ቀትሪ ጥራይ ደውሉ፣ ድምጻዊ መልእኽቲ ኣይትግደፉ።",
	    "例如：只在白天打电话，不要留语音留言。") },
};

/* DESIGN §6: the reporter is told at once to call 112. */
static const struct i18n_text emergency = T(
    "Bent u of is iemand anders nu in direct gevaar? Bel dan nu 112.",
    "Are you or someone else in immediate danger now? Call 112 now.",
    "Siz veya bir başkası şu anda acil tehlikede misiniz? Hemen 112'yi arayın.",
    "هل أنت أو شخص آخر في خطر مباشر الآن؟ اتصل بالرقم 112 فوراً.",
    "ንስኹም ወይ ካልእ ሰብ ሕጂ ኣብ ቅጽበታዊ ሓደጋ ኣለኹም ዶ? ሕጂ ናብ 112 ደውሉ።",
    "您或其他人现在是否处于紧迫的危险之中？请立即拨打 112。");

static const struct i18n_text contact_intro = T(
    "Wilt u teruggebeld worden? Dan kunt u contactgegevens achterlaten. Ze worden apart versleuteld; behandelaars zien alleen dát u ze gaf. Uw naam wordt nooit doorgegeven zonder dat u het eerst hoort.",
    "Would you like to be called back? Then you may leave contact details. They are encrypted separately; case handlers only see that you gave them. Your name is never passed on without telling you first.",
    "Geri aranmak ister misiniz? O zaman iletişim bilgilerinizi bırakabilirsiniz. Bunlar ayrıca şifrelenir; görevliler yalnızca bilgi verdiğinizi görür. Adınız, size önceden haber verilmeden asla paylaşılmaz.",
    "هل تريد أن نتصل بك؟ يمكنك ترك بيانات التواصل. تُشفَّر بشكل منفصل، ولا يرى الموظفون إلا أنك قدمتها. لن يُكشف اسمك أبداً دون إبلاغك أولاً.",
    "ክንድውለልኩም ትደልዩ ዶ? ሽዑ ኣድራሻ ርክብ ክትገድፉ ትኽእሉ ኢኹም። በይኑ ይምስጠር፤ ጉዳይ ዝከታተሉ ሰራሕተኛታት ዝርእይዎ ኣድራሻ ከም ዝሃብኩም ጥራይ እዩ። ቅድም ከይሓበርናኹም ስምኩም ንማንም ኣይወሃብን።",
    "您希望我们给您回电吗？那么您可以留下联系方式。联系方式会单独加密；个案处理人员只能看到您留了联系方式。在事先告知您之前，我们绝不会把您的姓名交给任何人。");

const char *
forms_emergency(enum i18n_lang l)
{
	return (emergency.t[(unsigned)l < I18N_NLANG ? l : I18N_DEFAULT]);
}

size_t
forms_ncategories(void)
{
	return (N(categories));
}

const struct forms_category *
forms_category_at(size_t i)
{
	return (i < N(categories) ? &categories[i] : NULL);
}

int
forms_category_index(const char *id)
{
	size_t	 i;

	for (i = 0; id != NULL && i < N(categories); i++)
		if (strcmp(categories[i].c_id, id) == 0)
			return ((int)i);
	return (-1);
}

const struct forms_category *
forms_category(const char *id)
{
	int	 i = forms_category_index(id);

	return (i == -1 ? NULL : &categories[i]);
}

static const struct forms_option *
forms_find_option(const struct forms_option *o, size_t n, const char *id)
{
	size_t	 i;

	for (i = 0; id != NULL && i < n; i++)
		if (strcmp(o[i].o_id, id) == 0)
			return (&o[i]);
	return (NULL);
}

const struct forms_option *
forms_subtype(const struct forms_category *c, const char *id)
{
	return (forms_find_option(c->c_subtypes, c->c_nsubtypes, id));
}

const struct forms_option *
forms_option(const struct forms_question *q, const char *id)
{
	return (forms_find_option(q->q_opts, q->q_nopts, id));
}

static const struct forms_question *
forms_find_question(const char *id)
{
	size_t	 i;

	for (i = 0; i < N(questions); i++)
		if (strcmp(questions[i].q_id, id) == 0)
			return (&questions[i]);
	return (NULL);
}

const struct forms_question *
forms_question(const struct forms_category *c, const char *id, int *required)
{
	size_t	 i;

	for (i = 0; id != NULL && i < c->c_nquestions; i++) {
		if (strcmp(c->c_questions[i].r_id, id) == 0) {
			if (required != NULL)
				*required = c->c_questions[i].r_required;
			return (forms_find_question(id));
		}
	}
	return (NULL);
}

/* {"id", "label", "help"?} */
static json_t *
forms_option_json(const struct forms_option *o, enum i18n_lang l)
{
	json_t	*j;

	j = json_pack("{s:s,s:s}", "id", o->o_id, "label", o->o_label.t[l]);
	if (j != NULL && o->o_help.t[l] != NULL)
		json_object_set_new(j, "help", json_string(o->o_help.t[l]));
	return (j);
}

static json_t *
forms_options_json(const struct forms_option *o, size_t n, enum i18n_lang l)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		json_array_append_new(a, forms_option_json(&o[i], l));
	return (a);
}

static const char *
forms_qtype_name(enum forms_qtype t)
{
	switch (t) {
	case FORMS_BOOL:
		return ("boolean");
	case FORMS_DATE:
		return ("date");
	default:
		return ("choice");
	}
}

static json_t *
forms_question_json(const struct forms_question *q, int required,
    enum i18n_lang l)
{
	json_t	*j;

	j = json_pack("{s:s,s:s,s:s,s:s,s:b}", "id", q->q_id, "type",
	    forms_qtype_name(q->q_type), "label", q->q_label.t[l], "help",
	    q->q_help.t[l], "required", required);
	if (j != NULL && q->q_type == FORMS_CHOICE)
		json_object_set_new(j, "options",
		    forms_options_json(q->q_opts, q->q_nopts, l));
	return (j);
}

static json_t *
forms_category_json(const struct forms_category *c, enum i18n_lang l)
{
	json_t	*j, *qs;
	size_t	 i;

	if ((qs = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < c->c_nquestions; i++)
		json_array_append_new(qs, forms_question_json(
		    forms_find_question(c->c_questions[i].r_id),
		    c->c_questions[i].r_required, l));
	j = json_pack("{s:s,s:s,s:s,s:o,s:o}", "id", c->c_id, "label",
	    c->c_label.t[l], "help", c->c_help.t[l], "subtypes",
	    forms_options_json(c->c_subtypes, c->c_nsubtypes, l),
	    "questions", qs);
	if (j != NULL && c->c_emergency)
		json_object_set_new(j, "emergency",
		    json_string(forms_emergency(l)));
	return (j);
}

json_t *
forms_to_json(enum i18n_lang l)
{
	json_t	*cats, *j;
	size_t	 i;

	if ((unsigned)l >= I18N_NLANG)
		l = I18N_DEFAULT;
	if ((cats = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < N(categories); i++)
		json_array_append_new(cats, forms_category_json(&categories[i],
		    l));
	j = json_pack("{s:i,s:o,s:{s:o},s:{s:s,s:o}}", "form_version",
	    FORMS_VERSION, "categories", cats, "content", "fields",
	    forms_options_json(content_fields, N(content_fields), l),
	    "contact", "intro", contact_intro.t[l], "fields",
	    forms_options_json(contact_fields, N(contact_fields), l));
	return (j);
}

const char *
forms_field_label(const struct forms_category *c, const char *pointer,
    enum i18n_lang l)
{
	const struct forms_question	*q;
	const struct forms_option	*o = NULL;

	if ((unsigned)l >= I18N_NLANG)
		l = I18N_DEFAULT;
	if (pointer == NULL)
		return (NULL);
	if (strcmp(pointer, "/category") == 0)
		return (i18n_msg("field.category", l));
	if (strcmp(pointer, "/subtype") == 0)
		return (i18n_msg("field.subtype", l));
	if (c != NULL && strncmp(pointer, "/answers/", 9) == 0) {
		q = forms_question(c, pointer + 9, NULL);
		return (q != NULL ? q->q_label.t[l] : NULL);
	}
	if (strcmp(pointer, "/report") == 0 ||
	    strcmp(pointer, "/report/narrative") == 0)
		o = forms_find_option(content_fields, N(content_fields),
		    "narrative");
	else if (strncmp(pointer, "/contact_details/", 17) == 0)
		o = forms_find_option(contact_fields, N(contact_fields),
		    pointer + 17);
	return (o != NULL ? o->o_label.t[l] : NULL);
}

/* Every language, or (for help texts) none at all. */
static int
forms_text_ok(const struct i18n_text *t, int optional)
{
	size_t	 l, have = 0;

	for (l = 0; l < I18N_NLANG; l++)
		if (t->t[l] != NULL && t->t[l][0] != '\0')
			have++;
	return (have == I18N_NLANG || (optional && have == 0));
}

static int
forms_id_ok(const char *id)
{
	size_t	 n = strlen(id);

	return (n >= 1 && n <= 40 && strspn(id,
	    "abcdefghijklmnopqrstuvwxyz0123456789_") == n);
}

static int
forms_options_ok(const struct forms_option *o, size_t n, const char *what,
    char *err, size_t errlen)
{
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		if (!forms_id_ok(o[i].o_id) ||
		    !forms_text_ok(&o[i].o_label, 0) ||
		    !forms_text_ok(&o[i].o_help, 1)) {
			snprintf(err, errlen, "%s %s: bad id or text", what,
			    o[i].o_id);
			return (-1);
		}
		for (k = 0; k < i; k++)
			if (strcmp(o[k].o_id, o[i].o_id) == 0) {
				snprintf(err, errlen, "%s %s: duplicate", what,
				    o[i].o_id);
				return (-1);
			}
	}
	return (0);
}

int
forms_check(char *err, size_t errlen)
{
	const struct forms_category	*c;
	size_t				 i, k;

	if (errlen > 0)
		err[0] = '\0';
	for (i = 0; i < N(questions); i++)
		if (!forms_text_ok(&questions[i].q_label, 0) ||
		    !forms_text_ok(&questions[i].q_help, 0) ||
		    forms_options_ok(questions[i].q_opts, questions[i].q_nopts,
		    questions[i].q_id, err, errlen) == -1) {
			if (err[0] == '\0')
				snprintf(err, errlen, "question %s: text",
				    questions[i].q_id);
			return (-1);
		}
	for (i = 0; i < N(categories); i++) {
		c = &categories[i];
		if (!forms_id_ok(c->c_id) || !forms_text_ok(&c->c_label, 0) ||
		    !forms_text_ok(&c->c_help, 0)) {
			snprintf(err, errlen, "category %s: bad id or text",
			    c->c_id);
			return (-1);
		}
		if (forms_options_ok(c->c_subtypes, c->c_nsubtypes, c->c_id,
		    err, errlen) == -1)
			return (-1);
		for (k = 0; k < c->c_nquestions; k++)
			if (forms_find_question(c->c_questions[k].r_id) ==
			    NULL) {
				snprintf(err, errlen, "category %s: no "
				    "question %s", c->c_id,
				    c->c_questions[k].r_id);
				return (-1);
			}
	}
	if (forms_options_ok(content_fields, N(content_fields), "content",
	    err, errlen) == -1 || forms_options_ok(contact_fields,
	    N(contact_fields), "contact", err, errlen) == -1 ||
	    !forms_text_ok(&contact_intro, 0) || !forms_text_ok(&emergency, 0))
		return (-1);
	return (0);
}
