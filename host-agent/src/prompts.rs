//! Consent prompts in the agent's terminal, for when the customer's page is
//! not open. Answers are read line by line from standard input (a
//! terminal, or whatever feeds it).

use std::io::BufRead;

use tokio::sync::mpsc;

/// A prompt waiting for an answer here.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub request: String,
    pub text: String,
}

/// Lines from standard input, read on their own thread (stdin has no
/// async API that works everywhere).
pub fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (sender, receiver) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

pub fn show(prompt: &Prompt, detail: Option<&str>) {
    println!();
    println!("{}", prompt.text);
    if let Some(detail) = detail {
        println!("  {detail}");
    }
    println!("Allow? Type y (yes) or n (no) and press Enter.");
}

/// `Some(true)` for yes, `Some(false)` for no, `None` for anything else.
pub fn parse_answer(line: &str) -> Option<bool> {
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_answer;

    #[test]
    fn answers() {
        assert_eq!(parse_answer(" Y\n"), Some(true));
        assert_eq!(parse_answer("no"), Some(false));
        assert_eq!(parse_answer("maybe"), None);
    }
}
