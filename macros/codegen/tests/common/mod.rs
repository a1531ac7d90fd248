//! stub
pub mod dual;
