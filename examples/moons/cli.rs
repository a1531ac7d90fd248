//! Command-line options of the moons example, parsed by hand (no parser
//! dependency for eight flags); every mistake is a message, not a panic.

use std::path::PathBuf;

/// What to run.
#[derive(Debug)]
pub struct Options {
    pub f64: bool,
    pub data: Option<PathBuf>,
    pub init: Option<PathBuf>,
    pub save: Option<PathBuf>,
    pub history: Option<PathBuf>,
    pub plot: PathBuf,
    pub steps: usize,
    pub seed: u64,
}

pub const USAGE: &str = "\
usage: moons [--f64] [--data FILE.csv] [--init FILE.safetensors] [--save FILE.safetensors]
             [--history FILE.csv] [--plot FILE.svg] [--steps N] [--seed S]

Trains micrograd's demo network (MLP 2-16-16-1, ReLU, hinge loss + 1e-4·L2,
full-batch SGD with lr = 1 - 0.9·k/steps) on make_moons(100, noise 0.1).
  --f64      compute in f64 (default f32)
  --data     CSV with header x0,x1,y and y in {-1, 1} instead of generated data
  --init     start from weights in PyTorch nn.Linear layout (l1.weight [16, 2], ...)
  --save     write the trained weights (safetensors)
  --history  write step,loss,accuracy for every step (loss before the update)
  --plot     where to draw the decision boundary (default target/moons.svg)
  --steps    number of SGD steps (default 100)
  --seed     seed for the data and the initial weights (default 1337)";

/// Parses `args` (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        f64: false,
        data: None,
        init: None,
        save: None,
        history: None,
        plot: PathBuf::from("target/moons.svg"),
        steps: 100,
        seed: 1337,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("`{name}` needs a value"));
        match flag.as_str() {
            "--f64" => o.f64 = true,
            "--data" => o.data = Some(value("--data")?.into()),
            "--init" => o.init = Some(value("--init")?.into()),
            "--save" => o.save = Some(value("--save")?.into()),
            "--history" => o.history = Some(value("--history")?.into()),
            "--plot" => o.plot = value("--plot")?.into(),
            "--steps" => {
                let v = value("--steps")?;
                o.steps = v
                    .parse()
                    .map_err(|_| format!("`--steps` takes a whole number, not `{v}`"))?;
            }
            "--seed" => {
                let v = value("--seed")?;
                o.seed = v
                    .parse()
                    .map_err(|_| format!("`--seed` takes a whole number, not `{v}`"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option `{other}`")),
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
    fn flags_and_values() {
        let o = parse(args("--f64 --steps 7 --seed 3 --init w.safetensors")).unwrap();
        assert!(o.f64);
        assert_eq!((o.steps, o.seed), (7, 3));
        assert_eq!(o.init, Some(PathBuf::from("w.safetensors")));
    }

    #[test]
    fn mistakes_are_messages() {
        assert_eq!(
            parse(args("--steps ten")).unwrap_err(),
            "`--steps` takes a whole number, not `ten`"
        );
        assert_eq!(parse(args("--data")).unwrap_err(), "`--data` needs a value");
        assert_eq!(
            parse(args("--fast")).unwrap_err(),
            "unknown option `--fast`"
        );
    }
}
