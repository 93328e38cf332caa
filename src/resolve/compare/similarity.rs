//! String likeness on the hot path: Jaro–Winkler on the stack, and an email's mailbox
//! name read without its separators.

use super::Rec;

/// Jaro–Winkler similarity, as `strsim::jaro_winkler` computes it, with its match flags on
/// the stack for ASCII text of up to 64 bytes (every name): names are compared several
/// times per pair, tens of millions of times a run. Anything else goes to strsim.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    const MAX: usize = 64;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) || x.len() > MAX || y.len() > MAX {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let range = (x.len().max(y.len()) / 2).saturating_sub(1);
    let (mut x_flags, mut y_flags) = ([false; MAX], [false; MAX]);
    let mut matches = 0usize;
    for (i, xc) in x.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = (i + range + 1).min(y.len());
        for j in lo..hi {
            if !y_flags[j] && *xc == y[j] {
                x_flags[i] = true;
                y_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0;
    for xc in x
        .iter()
        .enumerate()
        .filter(|(i, _)| x_flags[*i])
        .map(|(_, c)| c)
    {
        while !y_flags[k] {
            k += 1;
        }
        if *xc != y[k] {
            transpositions += 1;
        }
        k += 1;
    }
    let m = matches as f64;
    let jaro =
        (m / x.len() as f64 + m / y.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    if jaro > 0.7 {
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// Whether a mailbox name is the record's names and their initials run together
/// ("davidsmith", "dsmith", "smithd" for David Smith), nothing else.
pub(crate) fn spelled_from_names(bytes: &[u8], r: &Rec) -> bool {
    let words: Vec<&str> = [r.first(), r.last()]
        .into_iter()
        .flatten()
        .flat_map(|name| name.split([' ', '-']))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return false;
    }
    // spelled[i]: the first i bytes are names and initials.
    let mut spelled = vec![false; bytes.len() + 1];
    spelled[0] = true;
    for i in 0..bytes.len() {
        if !spelled[i] {
            continue;
        }
        for word in &words {
            for piece in [word.as_bytes(), &word.as_bytes()[..1]] {
                if bytes[i..].starts_with(piece) {
                    spelled[i + piece.len()] = true;
                }
            }
        }
    }
    spelled[bytes.len()]
}

pub(super) const EMAIL_NAME_MAX: usize = 64;

/// An email's name (before the `@`) without the dots, underscores and hyphens people
/// vary: "j.o_smith@x.com" -> "josmith".
pub(crate) fn email_name_chars(email: &str) -> impl Iterator<Item = char> + '_ {
    let name = email.split('@').next().unwrap_or(email);
    name.chars().filter(|c| !varies_in_email_names(*c))
}

/// The characters people put in or leave out of one email name ("jo.smith", "jo_smith").
pub(super) fn varies_in_email_names(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// `email_name_chars` as bytes in `buffer`, when the name is ASCII and fits (where a byte
/// is a character, as `edit_similarity_of_bytes` needs); `None` otherwise.
pub(super) fn email_name<'b>(
    email: &str,
    buffer: &'b mut [u8; EMAIL_NAME_MAX],
) -> Option<&'b [u8]> {
    // Byte by byte up to the `@`: nearly every compared pair has two emails to read.
    let mut n = 0;
    for b in email.bytes() {
        match b {
            b'@' => break,
            b if varies_in_email_names(char::from(b)) => {}
            b if b.is_ascii() => {
                *buffer.get_mut(n)? = b;
                n += 1;
            }
            _ => return None,
        }
    }
    Some(&buffer[..n])
}
