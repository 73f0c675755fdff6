//! A desktop entry's `Exec` value as a program and its arguments, run
//! without a shell. Field codes (`%f`, `%U`, `%i`, …) are removed, not
//! expanded: the agent starts applications bare, never with files, URLs or
//! names chosen by whoever asked. Written here rather than taken from
//! `freedesktop-desktop-entry`, whose `parse_exec` expands `%i`, `%c` and
//! `%k` and keeps codes inside an argument (`--file=%f`) as they are.
//!
//! The value arrives with the general escapes (`\s`, `\\`, …) already
//! undone by the entry's parser, as the specification orders.

/// Why an `Exec` value cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    #[error("its command line has a quote that is never closed")]
    UnclosedQuote,
    #[error("its command line names no program")]
    Empty,
    /// `NAME=value program …` only means something to a shell.
    #[error("its command line needs a shell (`{0}`)")]
    NeedsShell(String),
}

/// One word of the command line, and whether any of it was quoted (field
/// codes count only outside quotes).
struct Word {
    text: String,
    quoted: bool,
}

/// Splits `exec` into words by the specification's quoting rules: double
/// quotes group, and inside them a backslash escapes `"`, `` ` ``, `$`
/// and `\`. Outside quotes a backslash escapes the next character, as GLib
/// and KDE do.
fn words(exec: &str) -> Result<Vec<Word>, ExecError> {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let mut chars = exec.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let word = current.get_or_insert_with(|| Word {
                    text: String::new(),
                    quoted: false,
                });
                word.quoted = true;
                loop {
                    match chars.next().ok_or(ExecError::UnclosedQuote)? {
                        '"' => break,
                        '\\' => match chars.next().ok_or(ExecError::UnclosedQuote)? {
                            escaped @ ('"' | '`' | '$' | '\\') => word.text.push(escaped),
                            other => {
                                word.text.push('\\');
                                word.text.push(other);
                            }
                        },
                        other => word.text.push(other),
                    }
                }
            }
            c if c.is_ascii_whitespace() => {
                if let Some(word) = current.take() {
                    words.push(word);
                }
            }
            c => {
                let word = current.get_or_insert_with(|| Word {
                    text: String::new(),
                    quoted: false,
                });
                if c == '\\' {
                    word.text.push(chars.next().unwrap_or('\\'));
                } else {
                    word.text.push(c);
                }
            }
        }
    }
    words.extend(current);
    Ok(words)
}

/// Removes the field codes from an unquoted word: `%%` is a literal `%`,
/// any other `%x` goes. `None` when the word was only field codes (a lone
/// `%U` is dropped as a whole, not left as an empty argument).
fn without_field_codes(word: &str) -> Option<String> {
    let mut kept = String::with_capacity(word.len());
    let mut had_code = false;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            kept.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => kept.push('%'),
            // A code (or a lone `%` at the end, which means nothing).
            _ => had_code = true,
        }
    }
    if had_code && kept.is_empty() {
        None
    } else {
        Some(kept)
    }
}

/// The program and its arguments for `exec`, field codes removed.
pub fn command_line(exec: &str) -> Result<Vec<String>, ExecError> {
    let argv: Vec<String> = words(exec)?
        .into_iter()
        .filter_map(|word| {
            if word.quoted {
                Some(word.text)
            } else {
                without_field_codes(&word.text)
            }
        })
        .collect();
    let program = argv.first().ok_or(ExecError::Empty)?;
    if program.is_empty() {
        return Err(ExecError::Empty);
    }
    if program.contains('=') {
        return Err(ExecError::NeedsShell(program.clone()));
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(exec: &str) -> Vec<String> {
        command_line(exec).unwrap_or_else(|error| panic!("{exec}: {error}"))
    }

    #[test]
    fn every_field_code_is_removed_not_expanded() {
        assert_eq!(argv("xterm"), ["xterm"]);
        assert_eq!(argv("gedit %U"), ["gedit"]);
        for code in [
            "%f", "%F", "%u", "%U", "%i", "%c", "%k", "%d", "%D", "%n", "%N", "%v", "%m",
        ] {
            assert_eq!(
                argv(&format!("app {code} --flag")),
                ["app", "--flag"],
                "{code}"
            );
        }
        assert_eq!(argv("app --open=%f -x%u"), ["app", "--open=", "-x"]);
        assert_eq!(argv("app %i %c %k"), ["app"]);
    }

    #[test]
    fn a_double_percent_is_a_literal_percent() {
        assert_eq!(argv("printf 100%% %%d"), ["printf", "100%", "%d"]);
    }

    #[test]
    fn quotes_group_words_and_keep_what_is_inside() {
        assert_eq!(
            argv(r#""/opt/My App/run" --title "a \"b\" \$c \\d" %F"#),
            ["/opt/My App/run", "--title", r#"a "b" $c \d"#]
        );
        // Inside quotes a field code is not one (the specification forbids
        // them there): it stays text, and runs no substitution.
        assert_eq!(argv(r#"app "%f""#), ["app", "%f"]);
        assert_eq!(argv(r#"app "" x"#), ["app", "", "x"]);
        assert_eq!(argv(r"app a\ b"), ["app", "a b"]);
    }

    #[test]
    fn what_cannot_run_is_refused_with_the_reason() {
        assert_eq!(command_line(""), Err(ExecError::Empty));
        assert_eq!(command_line("  %U "), Err(ExecError::Empty));
        assert_eq!(command_line(r#"app "open"#), Err(ExecError::UnclosedQuote));
        assert_eq!(
            command_line("FOO=1 app"),
            Err(ExecError::NeedsShell("FOO=1".into()))
        );
        // Shell syntax is no shell: the words go to the program as they are.
        assert_eq!(argv("app 'a b' $HOME;"), ["app", "'a", "b'", "$HOME;"]);
    }
}
