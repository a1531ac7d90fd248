//! Command-line options of the mnist example, parsed by hand like moons';
//! every mistake is a message, not a panic.

use std::path::PathBuf;

/// What to run.
#[derive(Debug)]
pub struct Options {
    pub dir: Option<PathBuf>,
    pub epochs: usize,
    pub seed: u64,
}

pub const USAGE: &str = "\
usage: mnist [DIR] [--epochs N] [--seed S]

Trains a 784-128-10 MLP (ReLU, softmax cross-entropy) with batches of 64 and
SGD (lr 0.1) through the batched GEMM pass, and reports test accuracy.
  DIR        directory with the MNIST IDX files (train-images-idx3-ubyte,
             train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
             t10k-labels-idx1-ubyte, optionally .gz); without it, a seeded
             synthetic stand-in of the same shape
  --epochs   passes over the training data (default 2)
  --seed     seed for the data, the initial weights and the shuffles (default 7)";

/// Parses `args` (without the program name); `Err("")` asks for the usage.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        dir: None,
        epochs: 2,
        seed: 7,
    };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let v = args
                .next()
                .ok_or_else(|| format!("`{name}` needs a value"))?;
            v.parse()
                .map_err(|_| format!("`{name}` takes a whole number, not `{v}`"))
        };
        match a.as_str() {
            "--epochs" => o.epochs = number("--epochs")? as usize,
            "--seed" => o.seed = number("--seed")?,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            dir if o.dir.is_none() => o.dir = Some(dir.into()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn flags_values_and_the_directory() {
        let o = parse(args("data/mnist --epochs 3 --seed 9")).unwrap();
        assert_eq!((o.epochs, o.seed), (3, 9));
        assert_eq!(o.dir, Some(PathBuf::from("data/mnist")));
        let o = parse(args("")).unwrap();
        assert_eq!((o.dir, o.epochs, o.seed), (None, 2, 7));
    }

    #[test]
    fn help_and_mistakes() {
        assert_eq!(parse(args("--help")).unwrap_err(), "");
        assert_eq!(parse(args("-h")).unwrap_err(), "");
        assert_eq!(
            parse(args("--fast")).unwrap_err(),
            "unknown option `--fast`"
        );
        assert_eq!(
            parse(args("--epochs two")).unwrap_err(),
            "`--epochs` takes a whole number, not `two`"
        );
        assert_eq!(parse(args("--seed")).unwrap_err(), "`--seed` needs a value");
        assert_eq!(parse(args("a b")).unwrap_err(), "unexpected argument `b`");
    }
}
