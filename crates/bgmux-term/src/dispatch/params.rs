//! CSI parameters as the dispatchers see them: up to 32 numbers, each a
//! parameter or a sub-parameter (ITU T.416 colon form) of the one before.
//!
//! Filled either from vte's `Params` or directly by the parser's fast path
//! for plain `CSI digits;digits final` sequences (`parser.rs`), so both
//! routes reach the same dispatch code.

/// The most values kept (vte's limit too; a longer sequence is ignored).
pub(crate) const MAX_PARAMS: usize = 32;

/// See the file comment.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Params {
    values: [u16; MAX_PARAMS],
    /// Bit `i` set: value `i` is a sub-parameter of the value before it.
    sub: u32,
    len: usize,
}

impl Params {
    /// Copies vte's parameters.
    pub fn from_vte(params: &vte::Params) -> Params {
        let mut out = Params::default();
        for group in params.iter() {
            for (i, &v) in group.iter().enumerate() {
                out.push(v, i > 0);
            }
        }
        out
    }

    /// Appends a value; returns false when full.
    #[inline]
    pub fn push(&mut self, value: u16, sub: bool) -> bool {
        if self.len == MAX_PARAMS {
            return false;
        }
        self.values[self.len] = value;
        if sub {
            self.sub |= 1 << self.len;
        }
        self.len += 1;
        true
    }

    /// Number of parameters (sub-parameters not counted).
    pub fn len(&self) -> usize {
        (0..self.len).filter(|&i| self.sub & (1 << i) == 0).count()
    }

    /// The parameters, each with its sub-parameters.
    #[inline]
    pub fn iter(&self) -> Groups<'_> {
        Groups {
            params: self,
            at: 0,
        }
    }
}

/// Iterator over parameter groups (a parameter and its sub-parameters).
pub(crate) struct Groups<'a> {
    params: &'a Params,
    at: usize,
}

impl<'a> Iterator for Groups<'a> {
    type Item = &'a [u16];

    #[inline]
    fn next(&mut self) -> Option<&'a [u16]> {
        let p = self.params;
        if self.at >= p.len {
            return None;
        }
        let start = self.at;
        self.at += 1;
        while self.at < p.len && p.sub & (1 << self.at) != 0 {
            self.at += 1;
        }
        Some(&p.values[start..self.at])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_split_at_parameters() {
        let mut p = Params::default();
        for (v, sub) in [
            (38, false),
            (2, true),
            (0, true),
            (1, true),
            (4, false),
            (3, true),
        ] {
            p.push(v, sub);
        }
        let groups: Vec<&[u16]> = p.iter().collect();
        assert_eq!(groups, [&[38, 2, 0, 1][..], &[4, 3][..]]);
        assert_eq!(p.len(), 2);
    }
}
