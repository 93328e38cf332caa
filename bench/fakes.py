"""What the Faker-based benchmark generators (british, bilingual, rural) share: their
arguments and seeded sources of chance, the slips of the keyboard they write into names, so
that all make the same kinds of error, and how they write a file."""

import csv
import os
import random
import sys


def arguments(default_seed):
    """The generator's arguments, OUT_DIR [PEOPLE] [SEED] (20,000 people unless given), and
    any after them as strings."""
    out = sys.argv[1]
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else default_seed
    return out, people, seed, sys.argv[4:]


def seeded(seed, *locales):
    """A random source and one Faker per locale, all seeded with `seed` (Faker's seed is
    shared by every instance), in the order the generators have always made them."""
    from faker import Faker

    rng = random.Random(seed)
    Faker.seed(seed)
    return (rng, *(Faker(locale) for locale in locales))


def typo(rng, word):
    """One slip, drawn from `rng`: a letter dropped, two swapped, or one mistyped."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice("aeiourstln") + word[i + 1:]


def digits(rng, n):
    """`n` random digits, drawn from `rng`."""
    return "".join(str(rng.randrange(10)) for _ in range(n))


def unique_mailbox(rng, email, taken):
    """`email`, or where another person (or home) holds it already, the same with a digit
    added until none does; then taken. A mailbox is one person's, or one home's."""
    while email in taken:
        local, domain = email.split("@")
        email = f"{local}{rng.randrange(10)}@{domain}"
    taken.add(email)
    return email


def write_csv(folder, name, header, rows):
    """A CSV file of `rows` under `header`, UTF-8, in `folder`."""
    with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
