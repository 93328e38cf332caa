"""What the Faker-based benchmark generators (british, bilingual) share: the slips of the
keyboard they write into names, so that both make the same kinds of error, and how they
write a file."""

import csv
import os


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


def write_csv(folder, name, header, rows):
    """A CSV file of `rows` under `header`, UTF-8, in `folder`."""
    with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
