//! What a column's header and values say it holds: the words of a header as exports write
//! them ("FirstName", "E-mail Address", "attendee_first_name", "ZIP5"), the names each
//! field goes by, and checks on the values that confirm or refuse a header's word.

/// A header's words, lower case and without accents: camelCase, spaces, punctuation and
/// letter-digit changes split ("ConstituentID" -> constituent id, "address_line_2" ->
/// address line 2, "Código postal" -> codigo postal).
pub fn words(header: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous: Option<char> = None;
    for c in header.chars() {
        let boundary = match previous {
            None => false,
            Some(p) => {
                !c.is_alphanumeric()
                    || (p.is_lowercase() && c.is_uppercase())
                    || (p.is_alphabetic() != c.is_alphabetic() && p.is_alphanumeric())
            }
        };
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            // Written in Latin letters without accents: "Teléfono", "Código postal".
            for lower in c.to_lowercase() {
                match deunicode::deunicode_char(lower) {
                    Some(ascii) if !lower.is_ascii() => word.push_str(ascii),
                    _ => word.push(lower),
                }
            }
        }
        previous = Some(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Words that say whose value it is or which copy, not what it is: "attendee_email",
/// "billing_zip", "PrimaryPhone", "fname_c1".
const QUALIFIERS: &str = "\
    attendee buyer donor constituent contact customer subscriber member person primary \
    billing bill home personal main preferred client patron account supporter \
    individual participant recipient purchaser registrant guest the of c txt text std raw \
    clean orig original current cur mailing shipping ship holder owner constit cust mbr acct \
    delivery physical residential residence service in on";

/// The names a field goes by: a header names it when one of its words (or two or all of
/// them run together: "Post Code", "E-mail") is one of `names`, and every other word is a
/// qualifier, a number or one of `also`.
pub struct FieldNames {
    /// Space-separated.
    pub names: &'static str,
    pub also: &'static str,
}

const fn names(names: &'static str, also: &'static str) -> FieldNames {
    FieldNames { names, also }
}

/// Whether `word` is one of the space-separated `list`.
fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

impl FieldNames {
    pub fn named_by(&self, words: &[String]) -> bool {
        if words.is_empty() {
            return false;
        }
        let joined = words.concat();
        let pairs = words.windows(2).map(|w| format!("{}{}", w[0], w[1]));
        let named = words.iter().any(|w| listed(self.names, w))
            || listed(self.names, &joined)
            || pairs.clone().any(|p| listed(self.names, &p));
        if !named {
            return false;
        }
        let in_a_pair = |w: &str| {
            words.windows(2).any(|pair| {
                (pair[0] == w || pair[1] == w)
                    && listed(self.names, &format!("{}{}", pair[0], pair[1]))
            })
        };
        listed(self.names, &joined)
            || words.iter().all(|w| {
                listed(self.names, w)
                    || listed(self.also, w)
                    || listed(QUALIFIERS, w)
                    || w.chars().all(|c| c.is_ascii_digit())
                    || in_a_pair(w)
            })
    }
}

/// The person fields, and the parts that join into one (a middle name into the given
/// name, a suffix into the surname, a house number into the street), in the order they
/// are looked for: a column taken by one is not looked at again.
pub const PERSON_PARTS: &[(&str, FieldNames)] = &[
    (
        "email",
        names(
            "email emailaddress emailaddr emails correo correoelectronico",
            "e mail address addr electronico",
        ),
    ),
    (
        "phone",
        names(
            "phone telephone tel mobile cell cellphone phonenumber phones telefono celular movil",
            "number no num nr work day evening numero de",
        ),
    ),
    (
        "date_of_birth",
        names(
            "dob birthdate birthday dateofbirth birth born nacimiento",
            "date of day dt year fecha de",
        ),
    ),
    ("gender", names("gender sex sexo genero", "code")),
    (
        "title",
        names("title salutation honorific prefix nameprefix", "name"),
    ),
    (
        "first_name",
        names(
            "first given fname forename firstname givenname forenames",
            "name names nm",
        ),
    ),
    (
        "middle_name",
        names(
            "middle middlename mname mi middleinitial",
            "name nm initial",
        ),
    ),
    (
        "last_name",
        names(
            "last surname lname family lastname familyname surnames apellido apellidos",
            "name nm paterno",
        ),
    ),
    ("suffix", names("suffix namesuffix generation", "name")),
    (
        "full_name",
        names(
            "name fullname names nombre nombres nombrecompleto",
            "full display complete completo",
        ),
    ),
    (
        "address2",
        names(
            "address2 addr2 addressline2 line2 unit apt apartment suite",
            "address addr line number no",
        ),
    ),
    (
        "street_number",
        names(
            "streetnumber housenumber streetno houseno buildingnumber streetnum",
            "street house",
        ),
    ),
    (
        "address1",
        names(
            "address addr street address1 addr1 addressline1 line1 streetaddress direccion domicilio calle",
            "line name postal linea",
        ),
    ),
    (
        "city",
        names(
            "city town suburb locality municipality ciudad municipio localidad poblacion",
            "name",
        ),
    ),
    (
        "state",
        names(
            "state province st region stateprovince",
            "code abbr abbreviation or",
        ),
    ),
    (
        "zip",
        names(
            "zip zipcode postcode postal postalcode zip5 zipcode5 codigopostal cp",
            "code post plus codigo",
        ),
    ),
];

/// A part of a birth date a file keeps in columns of its own ("birth_year", "DOB Month",
/// RLdata's "by", "bm", "bd").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthPart {
    Year,
    Month,
    Day,
}

impl BirthPart {
    pub const ALL: [BirthPart; 3] = [BirthPart::Year, BirthPart::Month, BirthPart::Day];

    /// The part a header names, if any.
    pub fn named_by(words: &[String]) -> Option<BirthPart> {
        let has = |w: &str| words.iter().any(|x| x == w);
        match words.concat().as_str() {
            "by" | "byear" | "yob" | "yearofbirth" => return Some(BirthPart::Year),
            "bm" | "bmonth" | "mob" | "monthofbirth" => return Some(BirthPart::Month),
            "bd" | "dayofbirth" => return Some(BirthPart::Day),
            _ => {}
        }
        if !(has("birth") || has("dob") || has("born")) {
            return None;
        }
        if has("year") || has("yr") || has("yyyy") {
            Some(BirthPart::Year)
        } else if has("month") || has("mon") || has("mm") {
            Some(BirthPart::Month)
        } else if has("day") || has("dd") {
            Some(BirthPart::Day)
        } else {
            None
        }
    }

    /// Whether a value is this part as a number: a year of four digits, a month 1-12, a
    /// day 1-31.
    pub fn holds(self, v: &str) -> bool {
        let n = v.parse::<u32>().ok();
        match self {
            BirthPart::Year => v.len() == 4 && n.is_some_and(|y| (1800..=2100).contains(&y)),
            BirthPart::Month => v.len() <= 2 && n.is_some_and(|m| (1..=12).contains(&m)),
            BirthPart::Day => v.len() <= 2 && n.is_some_and(|d| (1..=31).contains(&d)),
        }
    }
}

/// A record key's last word ("donor_id", "AccountNumber", "rec_id") or the whole header.
const KEY_WORDS: &str = "\
    id key no number num nr ref guid uuid uid code account acct";

/// Words that say a key belongs to a person...
const PERSON_WORDS: &str = "\
    donor constituent constit person customer cust subscriber attendee member mbr contact \
    account acct supporter rec record user patron client individual participant unique \
    people";

/// ... or to one fact about them.
const FACT_WORDS: &str = "\
    gift donation transaction order ticket subscription activity payment event receipt \
    invoice campaign batch recurring pledge plan appeal fund booking line charge stripe";

/// ... or to a group of people: a household's key mapped as a person's would make one
/// record of a home.
const GROUP_WORDS: &str = "household households hh family group org organization organisation \
    company employer";

/// Whether a header names a group's key ("household_id", "FamilyID").
pub fn names_a_group(words: &[String]) -> bool {
    words.iter().any(|w| listed(GROUP_WORDS, w))
}

/// How strongly a header names a person's record key (above zero: it names one).
pub fn key_header_score(words: &[String]) -> i32 {
    let last = words.last().map(String::as_str).unwrap_or("");
    let says_key = listed(KEY_WORDS, last)
        || (words.len() == 1 && (last.ends_with("id") || listed(PERSON_WORDS, last)));
    let person = words.iter().any(|w| listed(PERSON_WORDS, w));
    let other = words.iter().any(|w| listed(FACT_WORDS, w)) || names_a_group(words);
    3 * i32::from(says_key) + 2 * i32::from(person) - 3 * i32::from(other)
}

/// The names each fact field goes by, as a header's words run together ("Gift Date",
/// "gift_date" and "GiftDate" are all "giftdate"). A header's qualifiers are tried off
/// too ("donor_gift_date").
pub fn fact_names(table: &str, field: &str) -> &'static str {
    match (table, field) {
        ("donation", "gift_key") => {
            "giftid giftkey donationid donationkey transactionid paymentid giftno giftnumber \
            receiptid receiptno donationno giftref chargeid stripechargeid"
        }
        ("donation", "gift_date") => {
            "giftdate donationdate transactiondate receiveddate datereceived paymentdate giftdt date"
        }
        ("donation", "amount") => {
            "amount giftamount donationamount giftamt amt transactionamount paymentamount"
        }
        ("donation", "gift_type") => {
            "gifttype donationtype type givingtype recurring isrecurring recurringdonation recurringgift"
        }
        ("donation", "status") => "status paymentstatus giftstatus transactionstatus",
        ("donation", "payment_method") => "paymentmethod method paymenttype tender",
        ("donation", "recurring_id") => {
            "recurringid pledgeid recurringgiftid sustainerid recurringkey"
        }
        ("donation", "recurring_start") => {
            "recurringstart recurringstartdate pledgestart pledgestartdate sustainersince"
        }
        ("donation", "recurring_status") => "recurringstatus pledgestatus sustainerstatus",
        ("donation", "recurring_end") => "recurringend recurringenddate pledgeend pledgeenddate",
        ("donation", "campaign") => {
            "campaign appeal campaigncode appealcode sourcecode campaignname campaignid"
        }
        ("donation", "card_expires") => {
            "cardexpires cardexpiry expirydate cardexpiration ccexp cardexp"
        }
        ("subscription", "subscription_key") => {
            "subscriptionid subscriptionkey subid subscriptionno subscriptionnumber"
        }
        ("subscription", "plan") => "plan product package subscriptiontype plantype planname",
        ("subscription", "start_date") => {
            "startdate start started subscriptionstart begindate subscriptionstartdate"
        }
        ("subscription", "end_date") => {
            "enddate end ended stopdate canceldate subscriptionend subscriptionenddate"
        }
        ("subscription", "auto_renew") => "autorenew autorenewal renews",
        ("subscription", "status") => "status subscriptionstatus",
        ("subscription", "monthly_price") => "monthlyprice price rate monthlyrate",
        ("event_ticket", "ticket_key") => "ticketid ticketkey ticketno ticketnumber bookingid",
        ("event_ticket", "event_name") => "eventname event eventtitle performance show",
        ("event_ticket", "event_date") => "eventdate performancedate showdate date",
        ("event_ticket", "price") => "ticketprice price amount paid",
        ("event_ticket", "status") => "ticketstatus status attendance",
        ("email_event", "activity_key") => "activityid activitykey",
        ("email_event", "period_start") => "periodstart period month weekstart",
        ("email_event", "sent") => "sent emailssent sends",
        ("email_event", "bounced") => "bounced bounces",
        ("email_event", "opened") => "opened opens",
        ("email_event", "clicked") => "clicked clicks",
        ("email_event", "unsubscribed") => "unsubscribed unsubscribes unsub",
        ("email_event", "last_open_date") => "lastopendate lastopen lastopened",
        _ => "",
    }
}

/// Whether a header's words, run together with or without their qualifiers, are one of
/// `names`.
pub fn run_together_is(words: &[String], names: &str) -> bool {
    let all = words.concat();
    let core: String = words
        .iter()
        .filter(|w| !listed(QUALIFIERS, w))
        .map(String::as_str)
        .collect();
    listed(names, &all) || (!core.is_empty() && listed(names, &core))
}

/// The channels a consent column speaks for, where its header says it opts people out
/// ("do_not_call", "DNC", "email_opt_out", "unsubscribed", "no_mail"); `None` for any
/// other column.
pub fn opt_out_channels(words: &[String]) -> Option<Vec<&'static str>> {
    let has = |w: &str| words.iter().any(|x| x == w);
    let joined = words.concat();
    // "no" opts out as the first word ("No Mail", "no_email"), not as a number's
    // abbreviation ("Contact No").
    let opts_out = (has("do") && has("not"))
        || words.first().is_some_and(|w| w == "no")
        || (has("opt") && has("out"))
        || [
            "optout",
            "optedout",
            "dnc",
            "dnm",
            "dne",
            "unsubscribed",
            "unsubscribe",
            "suppress",
            "suppressed",
            "donotcall",
            "donotemail",
            "donotmail",
            "donotcontact",
            "nocall",
            "nomail",
            "noemail",
            "nocontact",
            "donotsolicit",
            "nosolicit",
        ]
        .iter()
        .any(|w| has(w) || joined.contains(w));
    if !opts_out {
        return None;
    }
    let mut channels = Vec::new();
    let email = has("email")
        || (has("e") && has("mail"))
        || has("newsletter")
        || joined.contains("email")
        || has("unsubscribed")
        || has("unsubscribe")
        || has("marketing")
        || has("dne");
    let phone = has("call")
        || has("phone")
        || has("telemarketing")
        || has("dnc")
        || joined.contains("call")
        || has("tel");
    let mail = (has("mail") && !has("e") && !joined.contains("email"))
        || has("post")
        || has("postal")
        || has("dnm")
        || joined.ends_with("nomail")
        || joined.contains("donotmail");
    let everything = has("contact")
        || has("solicit")
        || joined.contains("contact")
        || joined.contains("solicit");
    for (channel, said) in [("email", email), ("phone", phone), ("mail", mail)] {
        if said || everything {
            channels.push(channel);
        }
    }
    (!channels.is_empty()).then_some(channels)
}

/// A yes/no value as a flag column holds it ("Y", "false", "1", "opted out"): a column of
/// other numbers is no flag, whatever its header.
pub fn looks_like_a_flag(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    [
        "y",
        "yes",
        "true",
        "t",
        "x",
        "n",
        "no",
        "false",
        "f",
        "0",
        "1",
        "opted out",
        "opted in",
    ]
    .contains(&v.as_str())
}

/// A header that says a yes means the person agreed ("email_opt_in", "consent_to_call",
/// "subscribed"): a consent column cpm cannot read as it is (it reads yes as opted out).
pub fn says_opt_in(words: &[String]) -> bool {
    let has = |w: &str| words.iter().any(|x| x == w);
    (has("opt") && has("in"))
        || [
            "optin",
            "optedin",
            "consent",
            "permission",
            "subscribed",
            "allow",
            "ok",
        ]
        .iter()
        .any(|w| has(w))
}

/// A consent column's date ("solicit_updated", "consent_date", "opt_out_date").
pub fn says_consent_date(words: &[String]) -> bool {
    let has = |w: &str| words.iter().any(|x| x == w);
    let about = [
        "solicit",
        "consent",
        "opt",
        "preference",
        "preferences",
        "suppression",
        "optout",
        "dnc",
    ]
    .iter()
    .any(|w| has(w));
    about
        && ["date", "updated", "changed", "on", "at", "dt", "since"]
            .iter()
            .any(|w| has(w))
}

/// What a file's word for a kind of thing says, as one of cpm's values for the field
/// (`vocab::facts::allowed_values`): "Recurring Gift Pay-Cash" is a recurring gift,
/// "Paid" a gift that succeeded, "Lapsed" a subscription that expired; `None` where the
/// word says none of them.
pub fn kind_of(table: &str, field: &str, written: &str) -> Option<&'static str> {
    let w = written.to_lowercase();
    let says = |words: &[&str]| words.iter().any(|x| w.contains(x));
    // A yes/no column of whether a gift recurs ("Recurring Donation": true).
    let yes = ["true", "yes", "y", "t", "1"].contains(&w.as_str());
    let no = ["false", "no", "n", "f", "0"].contains(&w.as_str());
    match (table, field) {
        ("donation", "gift_type") if yes => Some("recurring"),
        ("donation", "gift_type") if no => Some("one_time"),
        ("donation", "gift_type") if says(&["recur", "monthly", "sustain", "subscription"]) => {
            Some("recurring")
        }
        ("donation", "gift_type")
            if says(&[
                "one", "single", "cash", "check", "cheque", "card", "gift", "donation", "stock",
                "online", "credit",
            ]) =>
        {
            Some("one_time")
        }
        ("donation", "status") if says(&["refund", "revers", "chargeback", "dispute"]) => {
            Some("refunded")
        }
        ("donation", "status")
            if says(&[
                "fail", "declin", "error", "bounce", "return", "nsf", "reject", "void",
            ]) =>
        {
            Some("failed")
        }
        ("donation", "status")
            if says(&[
                "succe", "paid", "complete", "approved", "settled", "posted", "captured", "cleared",
            ]) =>
        {
            Some("succeeded")
        }
        ("subscription", "status") if says(&["cancel", "stopped", "terminat", "suspend"]) => {
            Some("cancelled")
        }
        ("subscription", "status") if says(&["expire", "lapse", "ended", "inactive"]) => {
            Some("expired")
        }
        ("subscription", "status") if says(&["active", "current", "live", "renew"]) => {
            Some("active")
        }
        _ => None,
    }
}

/// Opt-out codes as donor systems keep them, per channel; a code column holds several
/// per person, `;`-separated.
pub const OPT_OUT_CODES: &[(&str, &str)] = &[
    (
        "phone",
        "DNC, DO NOT CALL, NO CALL, NO CALLS, NO PHONE, DO NOT PHONE, NO PHONE CALLS, \
         NO TELEMARKETING",
    ),
    (
        "mail",
        "DNM, DO NOT MAIL, NO MAIL, NO MAILINGS, NO DIRECT MAIL",
    ),
    (
        "email",
        "NO EMAIL, NO EMAILS, DO NOT EMAIL, DNE, UNSUBSCRIBED",
    ),
];

/// Codes that refuse every channel.
const OPT_OUT_EVERYWHERE: &str =
    "NO SOLICIT, DO NOT SOLICIT, NO SOLICITATIONS, NO CONTACT, DO NOT CONTACT, DECEASED";

/// The opt-out codes of `channel`: its own, and those that refuse every channel.
pub fn opt_out_codes(channel: &str) -> impl Iterator<Item = &'static str> {
    OPT_OUT_CODES
        .iter()
        .filter(move |(c, _)| *c == channel)
        .flat_map(|(_, codes)| codes.split(", "))
        .chain(OPT_OUT_EVERYWHERE.split(", "))
        .map(str::trim)
}

/// The date formats a draft tries, commonest first: where two read the same values (no
/// day above 12), the first is taken and the draft says so.
pub const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y%m%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%d %b %Y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d-%b-%Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%Y %m %d",
    "%m/%d/%y",
    "%d/%m/%y",
];

/// The share of `values` for which `test` holds (0 for none).
pub fn share<'a>(values: impl Iterator<Item = &'a str>, test: impl Fn(&str) -> bool) -> f64 {
    let (mut yes, mut all) = (0usize, 0usize);
    for v in values {
        all += 1;
        yes += usize::from(test(v));
    }
    if all == 0 {
        0.0
    } else {
        yes as f64 / all as f64
    }
}

pub fn looks_like_phone(v: &str) -> bool {
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || " ()+-./x".contains(c) || c.is_ascii_alphabetic());
    (7..=15).contains(&digits) && allowed && !v.contains('@')
}

pub fn has_a_letter(v: &str) -> bool {
    v.chars().any(char::is_alphabetic)
}

pub fn has_a_digit(v: &str) -> bool {
    v.chars().any(|c| c.is_ascii_digit())
}

/// A value as record keys are written: one token, no address or amount.
pub fn looks_like_a_key(v: &str) -> bool {
    !v.contains(char::is_whitespace)
        && !v.contains('@')
        && v.len() <= 64
        && (has_a_digit(v) || v.len() >= 8)
        && !(v.contains('.') && v.parse::<f64>().is_ok())
}

pub fn looks_like_a_title(v: &str) -> bool {
    const TITLES: &[&str] = &[
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "rev",
        "prof",
        "mx",
        "sir",
        "dame",
        "fr",
        "sr",
        "hon",
        "mr and mrs",
        "mr & mrs",
        "dr and mrs",
    ];
    TITLES.contains(&v.trim_end_matches('.').to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(h: &str) -> Vec<String> {
        words(h)
    }

    #[test]
    fn a_header_splits_into_words_as_exports_write_them() {
        assert_eq!(w("ConstituentID"), ["constituent", "id"]);
        assert_eq!(w("E-mail Address"), ["e", "mail", "address"]);
        assert_eq!(w("attendee_first_name"), ["attendee", "first", "name"]);
        assert_eq!(w("address_line_2"), ["address", "line", "2"]);
        assert_eq!(w("fname_c1"), ["fname", "c", "1"]);
        assert_eq!(w("ZIP5"), ["zip", "5"]);
        assert_eq!(w("  Date of Birth "), ["date", "of", "birth"]);
        assert_eq!(w("Código Postal"), ["codigo", "postal"]);
    }

    fn field_of(header: &str) -> Option<&'static str> {
        let words = words(header);
        PERSON_PARTS
            .iter()
            .find(|(_, names)| names.named_by(&words))
            .map(|(field, _)| *field)
    }

    #[test]
    fn a_header_names_the_field_its_words_say() {
        for (header, field) in [
            ("FirstName", "first_name"),
            ("given_name", "first_name"),
            ("attendee_first_name", "first_name"),
            ("Surname", "last_name"),
            ("E-mail Address", "email"),
            ("buyer_email", "email"),
            ("Post Code", "zip"),
            ("billing_zip", "zip"),
            ("postal_code", "zip"),
            ("Date of Birth", "date_of_birth"),
            ("dob", "date_of_birth"),
            ("address_line_2", "address2"),
            ("Address2", "address2"),
            ("street_address", "address1"),
            ("address_1", "address1"),
            ("street_number", "street_number"),
            ("suburb", "city"),
            ("st", "state"),
            ("Mobile Phone", "phone"),
            ("buyer_name", "full_name"),
            ("MiddleName", "middle_name"),
            ("Delivery Address", "address1"),
            ("Physical Address", "address1"),
            // A Spanish-language platform's.
            ("Correo electrónico", "email"),
            ("Número de teléfono", "phone"),
            ("Celular", "phone"),
            ("Fecha de nacimiento", "date_of_birth"),
            ("Sexo", "gender"),
            ("Apellido paterno", "last_name"),
            ("Nombre completo", "full_name"),
            ("Domicilio", "address1"),
            ("Ciudad", "city"),
            ("Código postal", "zip"),
        ] {
            assert_eq!(field_of(header), Some(field), "{header}");
        }
        // Words that say something else keep a column from a person field.
        for header in [
            "first_gift_date",
            "email_opt_out",
            "job_title_code_x",
            "gift_amount",
            "event_name",
            "last_open_date",
            "campaign",
            "ip_address",
            "UserName",
            "Company Name",
            "Spouse First Name",
            "Emergency Contact Phone",
            "Nombre del evento",
            "Fecha de pedido",
        ] {
            assert_ne!(field_of(header), Some("first_name"), "{header}");
            assert!(
                !matches!(
                    field_of(header),
                    Some("email" | "last_name" | "full_name" | "address1" | "phone")
                ),
                "{header} read as {:?}",
                field_of(header)
            );
        }
    }

    #[test]
    fn a_birth_date_in_three_columns_is_named_part_by_part() {
        assert_eq!(BirthPart::named_by(&w("by")), Some(BirthPart::Year));
        assert_eq!(
            BirthPart::named_by(&w("birth_month")),
            Some(BirthPart::Month)
        );
        assert_eq!(BirthPart::named_by(&w("DOB Day")), Some(BirthPart::Day));
        assert_eq!(BirthPart::named_by(&w("birthday")), None);
        assert_eq!(BirthPart::named_by(&w("gift_year")), None);
        assert!(BirthPart::Year.holds("1987") && !BirthPart::Year.holds("87"));
        assert!(BirthPart::Month.holds("12") && !BirthPart::Month.holds("13"));
        assert!(BirthPart::Day.holds("31") && !BirthPart::Day.holds("1987-01-02"));
    }

    #[test]
    fn a_key_header_is_a_person_key_unless_it_names_a_fact() {
        assert!(key_header_score(&w("donor_id")) > key_header_score(&w("gift_id")));
        assert!(key_header_score(&w("ConstituentID")) > 0);
        assert!(key_header_score(&w("rec_id")) > 0);
        assert!(key_header_score(&w("id")) > 0);
        assert!(key_header_score(&w("acct")) > 0);
        assert!(key_header_score(&w("gift_id")) <= 0);
        assert!(key_header_score(&w("household_id")) <= 0);
        assert!(key_header_score(&w("FamilyID")) <= 0);
        assert!(key_header_score(&w("amount")) <= 0);
    }

    #[test]
    fn opt_out_headers_name_their_channels_and_opt_in_ones_are_told_apart() {
        let channels = |h: &str| opt_out_channels(&w(h));
        assert_eq!(channels("do_not_call"), Some(vec!["phone"]));
        assert_eq!(channels("DNC"), Some(vec!["phone"]));
        assert_eq!(channels("email_opt_out"), Some(vec!["email"]));
        assert_eq!(channels("unsubscribed"), Some(vec!["email"]));
        assert_eq!(channels("no_mail"), Some(vec!["mail"]));
        assert_eq!(
            channels("Do Not Contact"),
            Some(vec!["email", "phone", "mail"])
        );
        assert_eq!(channels("email_opt_in"), None);
        // "No" as a number's abbreviation opts nobody out.
        assert_eq!(channels("Contact No"), None);
        assert_eq!(channels("No Contact"), Some(vec!["email", "phone", "mail"]));
        assert_eq!(channels("phone"), None);
        assert!(says_opt_in(&w("email_opt_in")));
        assert!(says_opt_in(&w("ConsentToCall")));
        assert!(!says_opt_in(&w("do_not_call")));
        assert!(says_consent_date(&w("solicit_updated")));
        assert!(!says_consent_date(&w("gift_date")));
    }
}
