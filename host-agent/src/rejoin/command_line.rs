//! The command that starts the agent again after a restart, written the way
//! each starter reads it: a desktop entry's `Exec` key (the Desktop Entry
//! Specification's quoting and `%` field codes) and a systemd unit's
//! `ExecStart` (its quoting, `%` specifiers and `$` variables). A path these
//! cannot carry faithfully is refused, never written mangled.

use std::ffi::OsString;

/// Why the command cannot be written for a starter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandLineError {
    #[error("`{0}` is not UTF-8 text, which a start-up entry cannot hold")]
    NotText(String),
    #[error("`{0}` has a control character, which a start-up entry cannot hold")]
    ControlCharacter(String),
}

/// Each argument as text a start-up entry can hold.
fn texts(args: &[OsString]) -> Result<Vec<&str>, CommandLineError> {
    args.iter()
        .map(|arg| {
            let text = arg
                .to_str()
                .ok_or_else(|| CommandLineError::NotText(arg.to_string_lossy().into_owned()))?;
            if text.chars().any(char::is_control) {
                return Err(CommandLineError::ControlCharacter(
                    text.escape_debug().to_string(),
                ));
            }
            Ok(text)
        })
        .collect()
}

/// The value of a desktop entry's `Exec` key.
pub fn desktop_exec(args: &[OsString]) -> Result<String, CommandLineError> {
    const RESERVED: &[char] = &[
        ' ', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(', ')', '`',
    ];
    let words: Vec<String> = texts(args)?
        .into_iter()
        .map(|arg| {
            // `%` starts a field code everywhere, quoted or not.
            let arg = arg.replace('%', "%%");
            if arg.is_empty() || arg.contains(RESERVED) {
                let mut quoted = String::from("\"");
                for c in arg.chars() {
                    if matches!(c, '"' | '`' | '$' | '\\') {
                        quoted.push('\\');
                    }
                    quoted.push(c);
                }
                quoted.push('"');
                quoted
            } else {
                arg
            }
        })
        .collect();
    // The key's value is a string, whose own escapes apply first: each
    // backslash of the quoting is written twice.
    Ok(words.join(" ").replace('\\', "\\\\"))
}

/// The value of a systemd unit's `ExecStart`.
pub fn systemd_exec(args: &[OsString]) -> Result<String, CommandLineError> {
    let words: Vec<String> = texts(args)?
        .into_iter()
        .map(|arg| {
            // `%` starts a specifier and `$` a variable, quoted or not.
            let arg = arg.replace('%', "%%").replace('$', "$$");
            let plain = !arg.is_empty()
                && !arg
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'));
            if plain {
                arg
            } else {
                format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
            }
        })
        .collect();
    Ok(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn plain_paths_are_written_as_they_are() {
        let command = args(&[
            "/usr/bin/tether-agent",
            "--state-dir",
            "/home/carl/.local/state/tether-agent",
            "resume",
        ]);
        let expected =
            "/usr/bin/tether-agent --state-dir /home/carl/.local/state/tether-agent resume";
        assert_eq!(desktop_exec(&command).as_deref(), Ok(expected));
        assert_eq!(systemd_exec(&command).as_deref(), Ok(expected));
    }

    #[test]
    fn spaces_quotes_percent_and_dollar_survive_each_starter() {
        let command = args(&["/opt/my apps/agent", "100% \"sure\" $HOME\\x", ""]);
        assert_eq!(
            desktop_exec(&command).as_deref(),
            Ok(r#""/opt/my apps/agent" "100%% \\"sure\\" \\$HOME\\\\x" """#)
        );
        assert_eq!(
            systemd_exec(&command).as_deref(),
            Ok(r#""/opt/my apps/agent" "100%% \"sure\" $$HOME\\x" """#)
        );
    }

    #[test]
    fn what_an_entry_cannot_hold_is_refused() {
        let newline = args(&["/usr/bin/tether-agent", "a\nb"]);
        assert!(matches!(
            desktop_exec(&newline),
            Err(CommandLineError::ControlCharacter(_))
        ));
        assert!(matches!(
            systemd_exec(&newline),
            Err(CommandLineError::ControlCharacter(_))
        ));
        use std::os::unix::ffi::OsStringExt;
        let bytes = vec![OsString::from_vec(vec![0x2f, 0xff])];
        assert!(matches!(
            desktop_exec(&bytes),
            Err(CommandLineError::NotText(_))
        ));
    }
}
