//! Taints, tolerations and label selectors, with Kubernetes' matching rules.
//!
//! Source: `k8s.io/api/core/v1/toleration.go` (`ToleratesTaint`) and the taint syntax of
//! `kubectl taint` / `az aks nodepool add --node-taints` (`key=value:Effect`, `key:Effect`).

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

impl fmt::Display for Taint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect.as_str())
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect.as_str())
        }
    }
}

/// Parses `key=value:Effect` or `key:Effect`, as `az aks nodepool add --node-taints` takes them.
pub fn parse_taint(text: &str) -> Result<Taint, String> {
    let (kv, effect) = text.rsplit_once(':').ok_or_else(|| {
        format!("taint {text:?} has no effect; write it like \"os=windows:NoSchedule\"")
    })?;
    let effect = match effect {
        "NoSchedule" => TaintEffect::NoSchedule,
        "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
        "NoExecute" => TaintEffect::NoExecute,
        other => {
            return Err(format!(
                "taint {text:?}: unknown effect {other:?} (NoSchedule, PreferNoSchedule or NoExecute)"
            ));
        }
    };
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    if key.is_empty() {
        return Err(format!("taint {text:?} has an empty key"));
    }
    Ok(Taint {
        key: key.to_string(),
        value: value.to_string(),
        effect,
    })
}

/// A pod's toleration. `key == None` with `Exists` tolerates every taint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    /// `Exists` when true, `Equal` otherwise.
    pub exists: bool,
    pub value: String,
    pub effect: Option<TaintEffect>,
}

impl Toleration {
    /// `ToleratesTaint`: effects match (an empty effect matches all), keys match (an empty key
    /// with Exists matches all keys), and for Equal the values match.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(e) = self.effect
            && e != taint.effect
        {
            return false;
        }
        match &self.key {
            None => self.exists,
            Some(k) if k != &taint.key => false,
            Some(_) => self.exists || self.value == taint.value,
        }
    }

    /// Tolerates every taint (`operator: Exists` with no key and no effect).
    pub fn everything() -> Self {
        Toleration {
            key: None,
            exists: true,
            value: String::new(),
            effect: None,
        }
    }
}

/// True if some toleration tolerates the taint.
pub fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint))
}

/// A node's labels, in a fixed order.
pub type Labels = IndexMap<String, String>;

/// `nodeSelector`: every pair must be present on the node.
pub fn selector_matches(selector: &IndexMap<String, String>, labels: &Labels) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tol(
        key: Option<&str>,
        exists: bool,
        value: &str,
        effect: Option<TaintEffect>,
    ) -> Toleration {
        Toleration {
            key: key.map(str::to_string),
            exists,
            value: value.into(),
            effect,
        }
    }

    #[test]
    fn taint_syntax() {
        let t = parse_taint("os=windows:NoSchedule").unwrap();
        assert_eq!(
            (t.key.as_str(), t.value.as_str(), t.effect),
            ("os", "windows", TaintEffect::NoSchedule)
        );
        let t = parse_taint("sku=gpu:PreferNoSchedule").unwrap();
        assert_eq!(t.effect, TaintEffect::PreferNoSchedule);
        let t = parse_taint("dedicated:NoExecute").unwrap();
        assert_eq!((t.key.as_str(), t.value.as_str()), ("dedicated", ""));
        assert!(parse_taint("os=windows").is_err());
        assert!(parse_taint("os=windows:Never").is_err());
        assert_eq!(t.to_string(), "dedicated:NoExecute");
    }

    #[test]
    fn toleration_rules() {
        let win = parse_taint("os=windows:NoSchedule").unwrap();
        assert!(tol(Some("os"), false, "windows", Some(TaintEffect::NoSchedule)).tolerates(&win));
        assert!(tol(Some("os"), false, "windows", None).tolerates(&win)); // empty effect = all
        assert!(!tol(Some("os"), false, "linux", None).tolerates(&win)); // value differs
        assert!(tol(Some("os"), true, "", None).tolerates(&win)); // Exists ignores value
        assert!(!tol(Some("os"), false, "windows", Some(TaintEffect::NoExecute)).tolerates(&win));
        assert!(Toleration::everything().tolerates(&win));
        assert!(!tol(None, false, "", None).tolerates(&win)); // empty key needs Exists
        assert!(!tol(Some("other"), true, "", None).tolerates(&win));
    }
}
