//! The command line of an example that takes no options: `--help` (or
//! `-h`) prints what the example does, anything else is an error with a
//! non-zero exit, so a mistyped option is never silently ignored.

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Cli {
    /// no arguments: run the example
    Run,
    /// `--help` or `-h`
    Help,
}

/// Parses `args` (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, String> {
    let mut cli = Cli::Run;
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => cli = Cli::Help,
            a if a.starts_with('-') => return Err(format!("unknown option `{a}`")),
            a => return Err(format!("unexpected argument `{a}`")),
        }
    }
    Ok(cli)
}

/// Reads the process's arguments: returns to run the example, or prints
/// `usage` and exits (0 for `--help`, 2 with an error message otherwise).
pub fn handle(usage: &str) {
    match parse(std::env::args().skip(1)) {
        Ok(Cli::Run) => {}
        Ok(Cli::Help) => {
            println!("{usage}");
            std::process::exit(0);
        }
        Err(msg) => {
            eprintln!("error: {msg}\n\n{usage}");
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn no_arguments_runs_and_help_is_help() {
        assert_eq!(parse(args("")), Ok(Cli::Run));
        assert_eq!(parse(args("--help")), Ok(Cli::Help));
        assert_eq!(parse(args("-h")), Ok(Cli::Help));
    }

    #[test]
    fn unknown_options_and_arguments_are_errors() {
        assert_eq!(
            parse(args("--epochs")),
            Err("unknown option `--epochs`".into())
        );
        assert_eq!(
            parse(args("--help --fast")),
            Err("unknown option `--fast`".into())
        );
        assert_eq!(
            parse(args("data.csv")),
            Err("unexpected argument `data.csv`".into())
        );
    }
}
