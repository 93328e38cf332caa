//! Clustering: union-find over auto matches and approved pairs, strongest links first,
//! never joining two groups that a cannot-link pair separates.

use std::collections::HashMap;

pub struct Clusters {
    parent: Vec<u32>,
    /// For each root: records its group must never be joined with.
    forbidden: HashMap<u32, Vec<u32>>,
}

impl Clusters {
    pub fn new(n: usize) -> Self {
        Clusters {
            parent: (0..n as u32).collect(),
            forbidden: HashMap::new(),
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    pub fn forbid(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        self.forbidden.entry(ra).or_default().push(b);
        self.forbidden.entry(rb).or_default().push(a);
    }

    /// The root of `x` without shortening paths (for reading while a list is borrowed).
    fn root(&self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            x = self.parent[x as usize];
        }
        x
    }

    fn blocked(&self, ra: u32, rb: u32) -> bool {
        let forbids = |from: u32, other_root: u32| {
            self.forbidden
                .get(&from)
                .is_some_and(|list| list.iter().any(|f| self.root(*f) == other_root))
        };
        forbids(ra, rb) || forbids(rb, ra)
    }

    /// Join the groups of a and b unless a cannot-link separates them. Returns whether
    /// they are now (or already were) in one group.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        if self.blocked(ra, rb) {
            return false;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone as usize] = keep;
        if let Some(list) = self.forbidden.remove(&gone) {
            self.forbidden.entry(keep).or_default().extend(list);
        }
        true
    }

    /// Groups as lists of member indices, each sorted, in order of their smallest member.
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let n = self.parent.len();
        // Members come in index order, so a group is numbered when its smallest member
        // appears: the groups come out in that order, each sorted.
        let mut group_of_root = vec![u32::MAX; n];
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for i in 0..n as u32 {
            let r = self.find(i) as usize;
            if group_of_root[r] == u32::MAX {
                group_of_root[r] = groups.len() as u32;
                groups.push(Vec::new());
            }
            groups[group_of_root[r] as usize].push(i);
        }
        groups
    }
}

/// Cluster `n` records: must-links first, then edges by descending score; cannot-links
/// are never crossed.
pub fn cluster(
    n: usize,
    must: &[(u32, u32)],
    cannot: &[(u32, u32)],
    edges: &mut [(u32, u32, f64)],
) -> Vec<Vec<u32>> {
    // A cannot-link can only matter between records that the links would otherwise put
    // in one group: most conflicts (ten million at a million people) are between records
    // that never meet, and holding them all would dominate the clustering.
    let mut unconstrained = Clusters::new(n);
    for &(a, b) in must {
        unconstrained.union(a, b);
    }
    for &(a, b, _) in edges.iter() {
        unconstrained.union(a, b);
    }
    let mut c = Clusters::new(n);
    for &(a, b) in cannot {
        if unconstrained.find(a) == unconstrained.find(b) {
            c.forbid(a, b);
        }
    }
    for &(a, b) in must {
        c.union(a, b);
    }
    edges.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    for &(a, b, _) in edges.iter() {
        c.union(a, b);
    }
    c.groups()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cannot_link_stops_a_transitive_chain() {
        // a-b and b-c are strong, but a and c are different people.
        let mut edges = vec![(0, 1, 0.95), (1, 2, 0.9)];
        let groups = cluster(3, &[], &[(0, 2)], &mut edges);
        assert_eq!(groups, vec![vec![0, 1], vec![2]]);
    }

    proptest! {
        #[test]
        fn clustering_never_joins_a_cannot_link_pair(
            n in 2usize..40,
            raw_edges in proptest::collection::vec((0u32..40, 0u32..40, 0.0f64..1.0), 0..120),
            raw_cannot in proptest::collection::vec((0u32..40, 0u32..40), 0..15),
            raw_must in proptest::collection::vec((0u32..40, 0u32..40), 0..10),
        ) {
            let m = n as u32;
            let mut edges: Vec<_> = raw_edges.into_iter().map(|(a, b, s)| (a % m, b % m, s)).filter(|(a, b, _)| a != b).collect();
            let cannot: Vec<_> = raw_cannot.into_iter().map(|(a, b)| (a % m, b % m)).filter(|(a, b)| a != b).collect();
            let must: Vec<_> = raw_must.into_iter().map(|(a, b)| (a % m, b % m)).collect();
            let groups = cluster(n, &must, &cannot, &mut edges);
            let mut group_of = vec![0usize; n];
            for (g, members) in groups.iter().enumerate() {
                for &x in members { group_of[x as usize] = g; }
            }
            for (a, b) in cannot {
                prop_assert_ne!(group_of[a as usize], group_of[b as usize]);
            }
            let total: usize = groups.iter().map(Vec::len).sum();
            prop_assert_eq!(total, n);
        }
    }
}
