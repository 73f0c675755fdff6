//! Which program runs a script: its shebang line, else its extension. The
//! script file is always an argument of that program, never part of a
//! shell command line.

use std::path::PathBuf;

/// The program and its arguments, before the script's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    pub program: PathBuf,
    pub args: Vec<String>,
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The extension of a user-given file name, lower-case, if it is plain.
pub fn extension(file_name: &str) -> Option<String> {
    let (_, extension) = file_name.rsplit_once('.')?;
    let plain = !extension.is_empty()
        && extension.len() <= 8
        && extension.chars().all(|c| c.is_ascii_alphanumeric());
    plain.then(|| extension.to_ascii_lowercase())
}

/// Chooses the interpreter for `content` named `file_name`.
pub fn choose(file_name: &str, content: &[u8]) -> Result<Interpreter, String> {
    if let Some(line) = content.strip_prefix(b"#!") {
        let line = line.split(|b| *b == b'\n').next().unwrap_or_default();
        let line = String::from_utf8_lossy(line);
        let mut words = line.split_whitespace();
        let program = words
            .next()
            .ok_or("the script's first line (#!) names no program")?;
        let program = PathBuf::from(program);
        if !program.is_absolute() {
            return Err(format!(
                "the script's first line names `{}`, which is not an absolute path",
                program.display()
            ));
        }
        if !program.is_file() {
            return Err(format!(
                "this computer has no {} to run the script with",
                program.display()
            ));
        }
        // Like the kernel: everything after the program is one argument.
        let rest: Vec<&str> = words.collect();
        let args = if rest.is_empty() {
            Vec::new()
        } else {
            vec![rest.join(" ")]
        };
        return Ok(Interpreter { program, args });
    }
    match extension(file_name).as_deref() {
        Some("sh") => Ok(Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: Vec::new(),
        }),
        Some("py") => find_in_path("python3")
            .map(|program| Interpreter {
                program,
                args: Vec::new(),
            })
            .ok_or_else(|| {
                "Python is not installed on this computer, so .py scripts cannot run".to_owned()
            }),
        Some("ps1") => Err("PowerShell scripts (.ps1) cannot run on Linux".into()),
        Some("bat" | "cmd") => Err("Windows batch scripts (.bat, .cmd) cannot run on Linux".into()),
        _ => Err(
            "cannot tell how to run this script: start it with a #! line, or name it .sh or .py"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn shebang_first_then_extension() {
        let sh = choose("anything.txt", b"#!/bin/sh -e\necho hi\n").expect("shebang");
        assert_eq!(
            sh,
            Interpreter {
                program: PathBuf::from("/bin/sh"),
                args: vec!["-e".into()]
            }
        );
        assert_eq!(
            choose("fix.SH", b"echo hi").expect("sh").program,
            PathBuf::from("/bin/sh")
        );
        assert!(
            choose("fix.ps1", b"Write-Host hi")
                .unwrap_err()
                .contains("PowerShell")
        );
        assert!(choose("fix.bat", b"echo hi").unwrap_err().contains("batch"));
        assert!(choose("fix", b"echo hi").unwrap_err().contains("#! line"));
        assert!(
            choose("x.sh", b"#!relative/sh\n")
                .unwrap_err()
                .contains("absolute")
        );
        assert!(
            choose("x.sh", b"#!/no/such/interpreter\n")
                .unwrap_err()
                .contains("no /no/such/interpreter")
        );
        if Path::new("/usr/bin/python3").exists() {
            assert!(choose("x.py", b"print(1)").is_ok());
        }
        assert_eq!(extension("../../etc/passwd"), None);
        assert_eq!(extension("data.CSV"), Some("csv".into()));
    }
}
