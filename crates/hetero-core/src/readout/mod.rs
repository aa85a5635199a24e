//! Linear readouts fitted on network states (Paper B's reservoirs; the Python package's
//! `hetero.ridge`): [`ridge`] fits every task at once with the penalty chosen on a validation split.

pub mod ridge;
