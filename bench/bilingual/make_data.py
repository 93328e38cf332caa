"""A Chicago station's bilingual audience, three exports with the truth beside them: a
membership CRM (first and last name in two columns, accents kept or not, US birth dates),
an event-ticketing system (the buyer's whole name in one column) and a newsletter list
(email, first name, a last name often left blank). Four in ten homes are Mexican-American,
named as such families are: two given names of which one is used, a father's and a
mother's surname written both, hyphenated or the first alone, accents that one system keeps
and another drops, Spanish diminutives (Pepe, Lupe, Chuy), sons named for their fathers.
The others are Faker's en_US people. Names are drawn with the frequencies a census shows
(a few surnames are very common), so namesakes in one ZIP happen as they do in life.
With COMMUNITY `vietnamese` the four homes in ten are Vietnamese-American instead: a few
family names held by most (Nguyen, Tran, Le, Pham), a middle name (Van, Thi) written as part
of the given name or not, the family name written first by some systems, wives keeping
their own family name, American names adopted by adults and given to children.
Written for `run.sh` to map with `cpm config draft` alone; nothing in `src/` reads this
file or was tuned to it.

    python make_data.py OUT_DIR [PEOPLE] [SEED] [mexican|vietnamese]
"""

import datetime
import os
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fakes  # noqa: E402  (bench/fakes.py)

OUT, PEOPLE, SEED, MORE = fakes.arguments(default_seed=3)
COMMUNITY = MORE[0] if MORE else "mexican"

rng, us, mx = fakes.seeded(SEED, "en_US", "es_MX")

# The commonest Hispanic surnames in the US census of 2010 (thousands of people); the rest
# come from Faker's es_MX list, uniformly.
COMMON_SURNAMES = {
    "García": 1166, "Rodríguez": 1095, "Martínez": 1060, "Hernández": 1043, "López": 875,
    "González": 841, "Pérez": 682, "Sánchez": 613, "Ramírez": 557, "Torres": 325,
    "Flores": 313, "Rivera": 308, "Gómez": 264, "Díaz": 252, "Reyes": 233, "Morales": 223,
    "Cruz": 222, "Ortiz": 215, "Gutiérrez": 213, "Chávez": 201, "Ramos": 196, "Ruiz": 194,
    "Álvarez": 185, "Mendoza": 181, "Castillo": 173, "Jiménez": 171, "Moreno": 168,
    "Romero": 167, "Herrera": 158, "Medina": 147, "Aguilar": 147, "Garza": 145,
    "Vargas": 144, "Castro": 131, "Guzmán": 120, "Muñoz": 118, "Méndez": 118,
    "Salazar": 115, "Vásquez": 114, "Delgado": 110,
}
COMMON_GIVEN = {
    "m": {"José": 30, "Juan": 22, "Luis": 14, "Carlos": 14, "Jesús": 12, "Jorge": 9,
          "Miguel": 10, "Francisco": 9, "Antonio": 8, "Alejandro": 7, "Ricardo": 5,
          "Eduardo": 5, "Guillermo": 4, "Roberto": 5, "Alberto": 4, "Manuel": 6,
          "Javier": 6, "Daniel": 6, "Fernando": 5, "Enrique": 4, "Ignacio": 2, "Raúl": 4},
    "f": {"María": 40, "Guadalupe": 12, "Rosa": 8, "Ana": 9, "Juana": 6, "Patricia": 6,
          "Leticia": 5, "Gabriela": 5, "Verónica": 5, "Claudia": 5, "Elizabeth": 4,
          "Graciela": 3, "Alejandra": 5, "Adriana": 5, "Martha": 4, "Silvia": 4,
          "Concepción": 2, "Yolanda": 4, "Teresa": 4, "Carmen": 5, "Lucía": 3},
}
# Given names of two words: one is used day to day, the other sometimes.
SECOND_GIVEN = {"m": ["Luis", "Antonio", "Manuel", "Carlos", "Alberto", "Javier", "Ángel"],
                "f": ["Guadalupe", "Elena", "Isabel", "del Carmen", "Teresa", "Luisa", "Fernanda"]}
DIMINUTIVES = {
    "josé": "Pepe", "francisco": "Paco", "guadalupe": "Lupe", "jesús": "Chuy",
    "guillermo": "Memo", "eduardo": "Lalo", "alberto": "Beto", "roberto": "Beto",
    "ignacio": "Nacho", "antonio": "Toño", "enrique": "Quique", "graciela": "Chela",
    "concepción": "Concha", "alejandro": "Alex", "alejandra": "Ale", "manuel": "Manny",
}
NICKNAMES = {
    "william": "Bill", "robert": "Bob", "richard": "Rick", "james": "Jim", "joseph": "Joe",
    "michael": "Mike", "thomas": "Tom", "christopher": "Chris", "daniel": "Dan",
    "elizabeth": "Liz", "katherine": "Kate", "jennifer": "Jenny", "patricia": "Patty",
    "margaret": "Peggy", "susan": "Sue", "deborah": "Debbie", "jessica": "Jess",
    "anthony": "Tony", "matthew": "Matt", "andrew": "Andy", "kimberly": "Kim",
}
# Chicago ZIPs, the city's south- and north-west sides weighted as a station's audience is.
ZIPS = ["60608", "60609", "60612", "60616", "60617", "60618", "60619", "60620", "60622",
        "60623", "60624", "60625", "60626", "60629", "60630", "60632", "60638", "60639",
        "60640", "60641", "60644", "60647", "60651", "60652", "60657", "60659", "60402",
        "60804", "60155", "60160"]
ZIP_WEIGHTS = [rng.uniform(0.4, 3.0) for _ in ZIPS]
STREETS = list(dict.fromkeys(us.street_name() for _ in range(700)))[:400]
AREA_CODES = ["312", "773", "872", "708"]
DOMAINS = ["gmail.com"] * 8 + ["yahoo.com"] * 3 + ["hotmail.com"] * 2 + ["outlook.com",
                                                                          "icloud.com",
                                                                          "aol.com",
                                                                          "att.net"]


# Vietnamese family names by their share of Vietnamese-Americans (per cent, roughly as
# surveys give them), middle names by sex, given names, and the American names adults
# adopt and children are given.
VIETNAMESE_FAMILY = {
    "Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7, "Huỳnh": 5, "Phan": 4.5, "Võ": 4,
    "Hoàng": 2, "Vũ": 2, "Đặng": 2, "Bùi": 2, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1,
    "Trương": 1, "Lâm": 0.8, "Đinh": 0.7, "Lý": 0.5, "Mai": 0.5, "Cao": 0.5, "Tô": 0.4,
    "Lưu": 0.4, "Châu": 0.4, "Quách": 0.3,
}
VIETNAMESE_MIDDLE = {"m": ["Văn"] * 5 + ["Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công"],
                     "f": ["Thị"] * 6 + ["Ngọc", "Thu", "Kim", "Thanh", "Bích", "Mỹ"]}
VIETNAMESE_GIVEN = {
    "m": ["An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hoàng", "Hùng",
          "Huy", "Khang", "Khánh", "Long", "Minh", "Nam", "Phong", "Phúc", "Quang", "Sơn",
          "Tài", "Thắng", "Thành", "Trung", "Tuấn", "Tú", "Việt", "Vinh"],
    "f": ["An", "Anh", "Châu", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan",
          "Linh", "Loan", "Mai", "My", "Ngân", "Ngọc", "Nhung", "Phương", "Quyên", "Thảo",
          "Thu", "Thủy", "Trang", "Tuyết", "Uyên", "Vân", "Vy", "Yến"],
}
AMERICAN = {"m": ["Tony", "Kevin", "Peter", "David", "Michael", "John", "Henry", "Jimmy",
                  "Danny", "Andrew", "Steven", "Thomas"],
            "f": ["Jennifer", "Tina", "Lily", "Cindy", "Julie", "Kathy", "Linda", "Michelle",
                  "Nancy", "Amy", "Christine", "Vivian"]}


def plain(s):
    """Without accents, as many systems keep names (María -> Maria, Muñoz -> Munoz)."""
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def weighted(table):
    names = list(table)
    return rng.choices(names, weights=[table[n] for n in names])[0]


def hispanic_surname():
    return weighted(COMMON_SURNAMES) if rng.random() < 0.6 else mx.last_name()


def hispanic_given(sex):
    first = weighted(COMMON_GIVEN[sex]) if rng.random() < 0.6 else (
        mx.first_name_female() if sex == "f" else mx.first_name_male())
    first = first.split(" ")[0]
    if rng.random() < 0.35:
        second = rng.choice(SECOND_GIVEN[sex])
        if second.split(" ")[-1] != first:
            return [first, second]
    return [first]


def typo(word):
    return fakes.typo(rng, word)


def phone():
    return rng.choice(AREA_CODES) + fakes.digits(rng, 7)


def mailbox(given, surnames, taken):
    """A personal mailbox, spelled from the names (without accents) or not."""
    g, s = plain(given[0]).lower(), plain(surnames[0]).lower().replace(" ", "")
    style = rng.random()
    if style < 0.35:
        local = f"{g}.{s}"
    elif style < 0.55:
        local = f"{g[0]}{s}"
    elif style < 0.65 and len(surnames) > 1:
        local = f"{g}{s}{plain(surnames[1]).lower()[0]}"
    elif style < 0.8:
        local = f"{g}{s}{rng.randrange(60, 100)}"
    else:
        local = plain(us.user_name()).lower()
    if rng.random() < 0.4:
        local += str(rng.randrange(100))
    return fakes.unique_mailbox(rng, f"{local}@{rng.choice(DOMAINS)}", taken)


def person(pid, home, sex, given, surnames, birth, hispanic, taken):
    return dict(
        id=pid, home=home["id"], sex=sex, given=given, surnames=surnames, birth=birth,
        hispanic=hispanic,
        email=mailbox(given, surnames, taken) if rng.random() < 0.85 else "",
        mobile=phone() if rng.random() < 0.75 else "",
        landline=home["landline"], address=home["address"], zip=home["zip"],
        family_email=home["family_email"],
    )


def birth_between(low, high):
    return datetime.date(2026, 1, 1) - datetime.timedelta(days=rng.randrange(low * 365, high * 365))


def hispanic_home(home, taken, next_id):
    """Parents with two surnames each; children with the father's first and the mother's
    first; a grandparent sometimes; a son named for his father now and then."""
    father = [hispanic_surname(), hispanic_surname()]
    mother = [hispanic_surname(), hispanic_surname()]
    fg = hispanic_given("m")
    people = [person(next_id, home, "m", fg, father, birth_between(30, 75), True, taken)]
    size = rng.choice([1, 2, 2, 3, 3, 4, 5])
    if size >= 2:
        people.append(person(next_id + 1, home, "f", hispanic_given("f"), mother,
                             birth_between(28, 72), True, taken))
    for _ in range(size - 2):
        sex = rng.choice("mf")
        given = fg if sex == "m" and rng.random() < 0.25 else hispanic_given(sex)
        people.append(person(next_id + len(people), home, sex, given, [father[0], mother[0]],
                             birth_between(18, 30), True, taken))
    return people


def vietnamese_person(pid, home, sex, family, born, taken, american_share):
    """One of a Vietnamese-American home: a family name, a middle name, a given name, and
    an American name (`american`) that some systems write instead."""
    middle = rng.choice(VIETNAMESE_MIDDLE[sex])
    given = rng.choice(VIETNAMESE_GIVEN[sex])
    american = rng.choice(AMERICAN[sex]) if rng.random() < american_share else None
    p = person(pid, home, sex, [american or given], [family], born, False, taken)
    p.update(vietnamese=dict(family=family, middle=middle, given=given, american=american))
    return p


def vietnamese_home(home, taken, next_id):
    """Parents (the wife keeping her own family name, mostly), children with the father's,
    a grandmother now and then."""
    father = weighted(VIETNAMESE_FAMILY)
    people = [vietnamese_person(next_id, home, "m", father, birth_between(30, 75), taken, 0.35)]
    size = rng.choice([1, 2, 2, 3, 3, 4, 5])
    if size >= 2:
        own = weighted(VIETNAMESE_FAMILY) if rng.random() < 0.8 else father
        people.append(vietnamese_person(next_id + 1, home, "f", own, birth_between(28, 72),
                                        taken, 0.35))
    for _ in range(size - 2):
        child = rng.random() < 0.8
        family = father if child else weighted(VIETNAMESE_FAMILY)
        born = birth_between(18, 30) if child else birth_between(70, 90)
        people.append(vietnamese_person(next_id + len(people), home, rng.choice("mf"), family,
                                        born, taken, 0.6 if child else 0.1))
    return people


def vietnamese_name(p, system):
    """A Vietnamese-American's given name and family name as one system wrote them: the
    American name or the Vietnamese, the middle name with it or not, the family name first
    (in the given name's field) by some."""
    vn = p["vietnamese"]
    given = vn["american"] if vn["american"] and rng.random() < 0.6 else vn["given"]
    if given == vn["given"] and rng.random() < 0.2:
        given = f"{vn['middle']} {given}"
    first, last = given, vn["family"]
    if rng.random() < {"members": 0.08, "tickets": 0.15, "newsletter": 0.03}[system]:
        first, last = last, given  # the family name first, as written in Vietnam
    return slipped(first, last, 0.0, {"members": 0.2, "tickets": 0.1, "newsletter": 0.0}[system])


def us_home(home, taken, next_id):
    surname = us.last_name()
    people = []
    for j in range(rng.choice([1, 1, 2, 2, 3, 4])):
        sex = rng.choice("mf")
        given = [us.first_name_female() if sex == "f" else us.first_name_male()]
        last = surname if j == 0 or rng.random() < 0.85 else us.last_name()
        people.append(person(next_id + j, home, sex, given, [last],
                             birth_between(18 if j > 1 else 25, 85), False, taken))
    return people


def population():
    people, taken = [], set()
    while len(people) < PEOPLE:
        zip_code = rng.choices(ZIPS, weights=ZIP_WEIGHTS)[0]
        home = dict(
            id=len(people) + 1, zip=zip_code,
            address=f"{rng.randrange(100, 9999)} {rng.choice('NSEW')} {rng.choice(STREETS)}",
            landline=phone() if rng.random() < 0.2 else "", family_email="",
        )
        community = vietnamese_home if COMMUNITY == "vietnamese" else hispanic_home
        make = community if rng.random() < 0.4 else us_home
        members = make(home, taken, len(people) + 1)
        if len(members) > 1 and rng.random() < 0.1:
            family = plain(members[0]["surnames"][0]).lower().replace(" ", "")
            email = f"{rng.choice(['the', ''])}{family}{rng.choice(['family', 's', 'home'])}@" \
                    f"{rng.choice(DOMAINS)}"
            if email not in taken:
                taken.add(email)
                for m in members:
                    m["family_email"] = email
        people.extend(members)
    return people[:PEOPLE]


def written_name(p, system):
    """The given name and surname one system wrote for `p` on one day."""
    if "vietnamese" in p:
        return vietnamese_name(p, system)
    given = p["given"]
    r = rng.random()
    if len(given) > 1:
        first = " ".join(given) if r < 0.45 else given[0] if r < 0.9 else given[1]
    else:
        first = given[0]
    table = DIMINUTIVES if p["hispanic"] else NICKNAMES
    word = first.split(" ")[0]
    if rng.random() < 0.06 and word.lower() in table:
        first = table[word.lower()]
    surnames = p["surnames"]
    if len(surnames) > 1:
        both = {"members": 0.45, "tickets": 0.3, "newsletter": 0.2}[system]
        r = rng.random()
        last = " ".join(surnames) if r < both else "-".join(surnames) if r < both + 0.08 \
            else surnames[0]
    else:
        last = surnames[0]
    return slipped(first, last, 0.04, {"members": 0.5, "tickets": 0.4, "newsletter": 0.0}[system])


def slipped(first, last, surname_typos, keeps_accents):
    """The names with a system's slips: a typo in the given name one time in twenty, in the
    surname as often as `surname_typos` says, the accents dropped unless the system keeps
    them (its share `keeps_accents`)."""
    if rng.random() < 0.05:
        first = typo(first)
    if surname_typos and rng.random() < surname_typos:
        last = typo(last)
    if rng.random() >= keeps_accents:
        first, last = plain(first), plain(last)
    return first, last


def contact(p):
    email = p["email"] or p["family_email"]
    if p["family_email"] and rng.random() < 0.3:
        email = p["family_email"]
    if rng.random() < 0.08:
        email = ""
    phone_number = p["mobile"] or p["landline"]
    if rng.random() < 0.1:
        phone_number = p["landline"]
    address, zip_code = p["address"], p["zip"]
    if rng.random() < 0.08:  # moved
        address = f"{rng.randrange(100, 9999)} {rng.choice('NSEW')} {rng.choice(STREETS)}"
        zip_code = rng.choices(ZIPS, weights=ZIP_WEIGHTS)[0]
    return email, phone_number, address, zip_code


def formatted_phone(number):
    if not number:
        return ""
    style = rng.random()
    if style < 0.4:
        return f"({number[:3]}) {number[3:6]}-{number[6:]}"
    if style < 0.7:
        return f"{number[:3]}-{number[3:6]}-{number[6:]}"
    return number


def main():
    os.makedirs(OUT, exist_ok=True)
    members, tickets, newsletter, listed = [], [], [], set()
    truth = [("source", "source_key", "person_id", "household_id")]
    for p in population():
        systems = [s for s, share in (("members", 0.7), ("tickets", 0.4), ("newsletter", 0.5))
                   if rng.random() < share] or ["members"]
        if "members" in systems:
            for _ in range(1 + (rng.random() < 0.08)):  # a CRM that holds some twice
                first, last = written_name(p, "members")
                email, number, address, zip_code = contact(p)
                key = f"C{len(members) + 200000}"
                birth = p["birth"].strftime("%m/%d/%Y") if rng.random() < 0.5 else ""
                members.append([key, first, last, email, formatted_phone(number), address,
                                "Chicago", "IL", zip_code, birth,
                                rng.choice(["Member", "Sustainer", "Leadership Circle"]),
                                rng.choice(["en", "es"]) if p["hispanic"] else "en"])
                truth.append(("members", key, p["id"], p["home"]))
        if "tickets" in systems:
            for _ in range(1 + (rng.random() < 0.25)):
                first, last = written_name(p, "tickets")
                email, number, _, zip_code = contact(p)
                key = f"ORD-{len(tickets) + 1:07d}"
                ordered = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(300))
                tickets.append([key, f"{first} {last}", email, formatted_phone(number), zip_code,
                                rng.choice(["Noche de Cumbia", "Storytelling Slam",
                                            "Election Night Live", "Pilsen Food Walk"]),
                                ordered.isoformat(), rng.choice(["0.00", "15.00", "35.00"])])
                truth.append(("tickets", key, p["id"], p["home"]))
        if "newsletter" in systems:
            first, last = written_name(p, "newsletter")
            email, _, _, zip_code = contact(p)
            if email and email not in listed:  # a list holds an address once
                listed.add(email)
                newsletter.append([email, first, last if rng.random() < 0.6 else "", zip_code,
                                   rng.choice(["Daily", "Weekly", "Noticias"])])
                truth.append(("newsletter", email, p["id"], p["home"]))

    def write(name, header, rows):
        fakes.write_csv(OUT, name, header, rows)

    write("members.csv", ["Constituent ID", "First Name", "Last Name", "Email", "Phone",
                          "Street", "City", "State", "ZIP", "Birth Date", "Level",
                          "Preferred Language"], members)
    write("tickets.csv", ["Order #", "Buyer Name", "Buyer Email", "Buyer Phone", "Billing ZIP",
                          "Event", "Order Date", "Total"], tickets)
    write("newsletter.csv", ["Email Address", "First Name", "Last Name", "ZIP Code", "List"],
          newsletter)
    write("truth.csv", truth[0], truth[1:])
    print(f"{PEOPLE} people: {len(members)} members, {len(tickets)} tickets, "
          f"{len(newsletter)} newsletter subscribers")


main()
