//! American Soundex (protocol.md §4.3), used only inside composite match keys so that
//! respellings such as `Reece`/`Rhys`/`Rees` or `Smyth`/`Smith` still meet.

/// The Soundex code of a folded (lower-case ASCII) word: first letter upper-cased plus three
/// digits, padded with `0`. Letters `h` and `w` do not separate equal codes; vowels do.
/// Returns an empty string for an empty word.
///
/// ```
/// use pupilmatch::encode::phonetic::soundex;
/// assert_eq!(soundex("robert"), "R163");
/// assert_eq!(soundex("rupert"), "R163");
/// assert_eq!(soundex("ashcraft"), "A261");
/// assert_eq!(soundex("tymczak"), "T522");
/// assert_eq!(soundex("pfister"), "P236");
/// ```
pub fn soundex(word: &str) -> String {
    let mut letters = word.bytes().filter(u8::is_ascii_lowercase);
    let Some(first) = letters.next() else {
        return String::new();
    };
    let mut out = String::with_capacity(4);
    out.push(first.to_ascii_uppercase() as char);
    let mut last = code(first);
    for b in letters {
        let c = code(b);
        match c {
            b'0' if b == b'h' || b == b'w' => continue,
            b'0' => last = b'0',
            _ if c != last => {
                out.push(c as char);
                last = c;
                if out.len() == 4 {
                    break;
                }
            }
            _ => {}
        }
    }
    while out.len() < 4 {
        out.push('0');
    }
    out
}

fn code(b: u8) -> u8 {
    match b {
        b'b' | b'f' | b'p' | b'v' => b'1',
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
        b'd' | b't' => b'3',
        b'l' => b'4',
        b'm' | b'n' => b'5',
        b'r' => b'6',
        _ => b'0',
    }
}

#[cfg(test)]
mod tests {
    use super::soundex;

    #[test]
    fn welsh_and_anglicised_spellings_share_a_code() {
        assert_eq!(soundex("rhys"), soundex("rees"));
        assert_eq!(soundex("reece"), soundex("rees"));
        assert_eq!(soundex("smyth"), soundex("smith"));
    }

    #[test]
    fn reference_codes_from_the_standard_examples() {
        for (word, code) in [
            ("washington", "W252"),
            ("lee", "L000"),
            ("gutierrez", "G362"),
            ("jackson", "J250"),
            ("honeyman", "H555"),
        ] {
            assert_eq!(soundex(word), code, "{word}");
        }
    }

    #[test]
    fn an_empty_word_has_no_code() {
        assert_eq!(soundex(""), "");
    }
}
