//! American Soundex (protocol.md §4.3), used only inside composite match keys so that
//! respellings such as `Reece`/`Rhys`/`Rees` or `Smyth`/`Smith` still meet.

/// The Soundex code of a folded (lower-case ASCII) word: first letter upper-cased plus three
/// digits, padded with `0` (protocol.md §4.3 states every rule). The first letter's own code
/// counts as the last one (`pfister` → P236); letters `h` and `w` do not separate equal codes;
/// vowels and `y` do. Characters outside `a–z` are skipped. Returns an empty string when no
/// letter is left.
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

    #[test]
    fn a_second_letter_coded_like_the_first_is_dropped() {
        // The first letter is written as a letter but its code still counts as the last one.
        assert_eq!(soundex("pfister"), "P236");
        assert_eq!(soundex("lloyd"), "L300");
        assert_eq!(soundex("schmidt"), "S530");
    }

    #[test]
    fn h_and_w_do_not_separate_equal_codes() {
        assert_eq!(soundex("ashcraft"), "A261");
        assert_eq!(soundex("schwartz"), "S632");
        // Nor after the first letter: `c` then `k` across `w` count once.
        assert_eq!(soundex("cwk"), "C000");
        // A leading h or w is written, and codes as nothing.
        assert_eq!(soundex("hwang"), "H520");
        assert_eq!(soundex("whyte"), "W300");
    }

    #[test]
    fn vowels_and_y_separate_equal_codes() {
        assert_eq!(soundex("lyle"), "L400");
        assert_eq!(soundex("tymczak"), "T522");
        assert_eq!(soundex("bab"), "B100");
        assert_eq!(soundex("byb"), "B100");
    }

    #[test]
    fn a_name_of_one_letter_is_that_letter_and_zeros() {
        assert_eq!(soundex("o"), "O000");
        assert_eq!(soundex("a"), "A000");
        assert_eq!(soundex("y"), "Y000");
    }

    #[test]
    fn only_three_digits_are_kept() {
        assert_eq!(soundex("wojciechowski"), "W222");
        assert_eq!(soundex("macdonald"), "M235");
    }

    #[test]
    fn characters_outside_a_to_z_are_skipped() {
        // Folded names hold only a–z; anything else never reaches a code.
        assert_eq!(soundex("o'brien"), soundex("obrien"));
        assert_eq!(soundex("smith-2"), soundex("smith"));
        assert_eq!(soundex("7"), "");
    }
}
