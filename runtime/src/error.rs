//! The runtime's one error type.
//!
//! Every fallible runtime function returns [`Result<T>`]. Messages follow the
//! rustc style: lowercase, no trailing period, names in backticks; each
//! variant names the parameter, file, line or step that is wrong.

use std::path::PathBuf;

/// Shorthand for `Result<T, macrograd_runtime::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A gradient does not have the structure of the parameters it is for.
    #[error("gradient for `{name}` has {found} elements, the parameter has {expected}")]
    GradientShape {
        /// dotted name of the parameter
        name: String,
        /// element count of the parameter
        expected: usize,
        /// element count of the gradient
        found: usize,
    },
    /// A parameter has no gradient (for example a named gradient map lacks it).
    #[error("no gradient for parameter `{name}`")]
    MissingGradient {
        /// dotted name of the parameter
        name: String,
    },
    /// A gradient is given for a name that is not a parameter.
    #[error("gradient given for `{name}`, which is not a parameter")]
    UnexpectedGradient {
        /// the name in the gradient
        name: String,
    },
    /// Two parameters share a name, so optimizer state and checkpoints would mix them up.
    #[error("two parameters are named `{name}`; parameter names must be unique")]
    DuplicateName {
        /// the repeated name
        name: String,
    },
    /// Optimizer state kept for a parameter no longer fits it.
    #[error("optimizer state for `{name}` has {state} elements, the parameter now has {param}")]
    StateMismatch {
        /// dotted name of the parameter
        name: String,
        /// elements in the stored state
        state: usize,
        /// elements in the parameter
        param: usize,
    },
    /// A hyper-parameter or option is out of its valid range.
    #[error("invalid {what}: {message}")]
    InvalidConfig {
        /// which option, e.g. `SGD momentum`
        what: &'static str,
        /// what is wrong and what is allowed
        message: String,
    },
    /// A loss, gradient or updated parameter became NaN or infinite during
    /// training; the parameters are put back as they were before the step.
    #[error("non-finite {what} at epoch {epoch}, step {step}; parameters are as before this step")]
    NonFinite {
        /// `loss`, `gradient of \`name\`` or `parameter \`name\` after the optimizer step`
        what: String,
        /// epoch, counted from 0
        epoch: usize,
        /// step within the epoch, counted from 0
        step: usize,
    },
    /// A non-finite value where a finite one is required (e.g. the norm in clipping).
    #[error("non-finite value in `{name}`")]
    NotFinite {
        /// dotted name of the parameter or gradient
        name: String,
    },
    /// A gradient disagrees with finite differences; the message is the report.
    #[error("gradient check failed\n{0}")]
    GradCheck(String),
    /// Reading or writing a file failed.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// `read`, `write`, `rename`, ...
        action: &'static str,
        /// the file
        path: PathBuf,
        /// the operating system's error
        source: std::io::Error,
    },
    /// A CSV file has a bad field or row.
    #[error("{path}:{line}:{column}: {message}")]
    Csv {
        /// the file
        path: PathBuf,
        /// line number, from 1
        line: u64,
        /// column (field) number, from 1
        column: usize,
        /// what is wrong
        message: String,
    },
    /// An IDX (MNIST) file is malformed.
    #[error("bad IDX file `{path}`: {message}")]
    Idx {
        /// the file
        path: PathBuf,
        /// what is wrong
        message: String,
    },
    /// A data set argument is inconsistent (sizes, fractions, columns).
    #[error("invalid data: {0}")]
    Data(String),
    /// A checkpoint file is unreadable, truncated or corrupt.
    #[error("corrupt checkpoint `{path}`: {message}")]
    CheckpointCorrupt {
        /// the file
        path: PathBuf,
        /// what the safetensors reader said
        message: String,
    },
    /// A checkpoint does not fit the parameters it is loaded into.
    #[error("checkpoint `{path}` does not fit the parameters: {message}")]
    CheckpointMismatch {
        /// the file
        path: PathBuf,
        /// which tensor and how (missing, unexpected, dtype, shape)
        message: String,
    },
    /// A batch mean was asked of an empty batch (the mean of nothing is not a number).
    #[error("`{method}` needs at least one sample; the batch is empty")]
    EmptyBatch {
        /// the method, e.g. `batch_backward`
        method: &'static str,
    },
    /// A batch's inputs and targets differ in count.
    #[error("`{method}`: {inputs} inputs but {targets} targets")]
    BatchLength {
        /// the method, e.g. `batch_backward`
        method: &'static str,
        /// number of inputs
        inputs: usize,
        /// number of targets
        targets: usize,
    },
    /// A training callback asked to stop with an error.
    #[error("callback failed: {0}")]
    Callback(String),
}
