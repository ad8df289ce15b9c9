//! The built-in Azure VM catalogue: vCPU, memory and East US pay-as-you-go prices.
//!
//! Prices are USD per hour, East US, pay-as-you-go, as of 2026-11. Linux Standard_D2s_v5
//! ($0.096) and Standard_D4s_v5 ($0.192), and Windows D2s_v5 ($0.188), are from Azure Retail
//! Prices API rows; the other cells follow Azure's per-vCPU list-price pattern for each family
//! and the Windows licence of $0.046 per vCPU-hour (reference §5), so treat them as estimates
//! and override them with `[[sku]]` when you have your own price sheet. Spot prices are an
//! assumption: 20 % of the Linux price (D2s_v5 Linux spot was $0.02/h, 79 % off), plus the full
//! Windows licence for Windows. There is no F-series v5; the F family here is Fsv2.

/// One VM size with its capacity and prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Sku {
    pub name: String,
    pub vcpu: u32,
    pub memory_bytes: u64,
    /// Azure quota family, e.g. `standardDSv5Family` (used for vCPU quotas).
    pub family: String,
    pub price_linux: f64,
    pub price_windows: f64,
    pub spot_price_linux: f64,
    pub spot_price_windows: f64,
}

/// Windows Server licence per vCPU-hour on PAYG VMs (reference §5: D2s_v5 Windows − Linux = $0.092).
pub const WINDOWS_LICENCE_PER_VCPU_HOUR: f64 = 0.046;
/// Default spot price as a fraction of the Linux PAYG price (assumption, reference §5).
pub const SPOT_FRACTION: f64 = 0.2;

/// One VM family: the name is `{prefix}{vcpu}{suffix}`.
struct Family {
    prefix: &'static str,
    quota_family: &'static str,
    gib_per_vcpu: u32,
    linux_per_vcpu_hour: f64,
    suffix: &'static str,
    sizes: &'static [u32],
}

const fn family(
    prefix: &'static str,
    quota_family: &'static str,
    gib_per_vcpu: u32,
    linux_per_vcpu_hour: f64,
    suffix: &'static str,
    sizes: &'static [u32],
) -> Family {
    Family {
        prefix,
        quota_family,
        gib_per_vcpu,
        linux_per_vcpu_hour,
        suffix,
        sizes,
    }
}

const FAMILIES: &[Family] = &[
    family(
        "Standard_D",
        "standardDSv5Family",
        4,
        0.048,
        "s_v5",
        &[2, 4, 8, 16, 32, 48, 64],
    ),
    family(
        "Standard_D",
        "standardDDSv5Family",
        4,
        0.0565,
        "ds_v5",
        &[2, 4, 8, 16, 32],
    ),
    family(
        "Standard_D",
        "standardDASv5Family",
        4,
        0.043,
        "as_v5",
        &[2, 4, 8, 16, 32],
    ),
    family(
        "Standard_E",
        "standardESv5Family",
        8,
        0.063,
        "s_v5",
        &[2, 4, 8, 16, 32],
    ),
    family(
        "Standard_E",
        "standardEDSv5Family",
        8,
        0.072,
        "ds_v5",
        &[2, 4, 8, 16, 32],
    ),
    family(
        "Standard_E",
        "standardEASv5Family",
        8,
        0.0565,
        "as_v5",
        &[2, 4, 8, 16, 32],
    ),
    family(
        "Standard_F",
        "standardFSv2Family",
        2,
        0.0423,
        "s_v2",
        &[2, 4, 8, 16, 32],
    ),
];

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The built-in catalogue, in a fixed order.
pub fn builtin() -> Vec<Sku> {
    let mut out = Vec::new();
    for f in FAMILIES {
        for &vcpu in f.sizes {
            let linux = round4(f.linux_per_vcpu_hour * f64::from(vcpu));
            let licence = round4(WINDOWS_LICENCE_PER_VCPU_HOUR * f64::from(vcpu));
            let spot_linux = round4(linux * SPOT_FRACTION);
            out.push(Sku {
                name: format!("{}{vcpu}{}", f.prefix, f.suffix),
                vcpu,
                memory_bytes: u64::from(vcpu * f.gib_per_vcpu) << 30,
                family: f.quota_family.to_string(),
                price_linux: linux,
                price_windows: round4(linux + licence),
                spot_price_linux: spot_linux,
                spot_price_windows: round4(spot_linux + licence),
            });
        }
    }
    out
}

/// Finds a SKU by name, ignoring case (Azure treats VM size names case-insensitively).
pub fn find<'a>(skus: &'a [Sku], name: &str) -> Option<&'a Sku> {
    skus.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// The closest names, for "did you mean" hints.
pub fn suggest(skus: &[Sku], name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    skus.iter()
        .map(|s| (edit_distance(&s.name.to_ascii_lowercase(), &lower), &s.name))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| n.clone())
}

/// Levenshtein distance, for typo hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1)
                .min(cur[j] + 1)
                .min(prev[j] + usize::from(ca != *cb));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A regional vCPU quota of one VM family (Azure's "Standard DSv5 Family vCPUs").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcpuQuota {
    /// The quota family as the catalogue names it (`standardDSv5Family`): equal to
    /// `Sku::family` of the VM sizes it covers (matched case-insensitively when loaded).
    pub family: String,
    pub vcpus: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_prices() {
        let c = builtin();
        let d2 = find(&c, "Standard_D2s_v5").unwrap();
        // Reference §5: D2s_v5 Linux 0.096, Windows 0.188 (0.096 + 2 × 0.046).
        assert_eq!((d2.price_linux, d2.price_windows), (0.096, 0.188));
        assert_eq!(d2.memory_bytes, 8 << 30);
        let d4 = find(&c, "standard_d4s_V5").unwrap();
        // D4s_v5 Linux 0.192 (verified), Windows 0.192 + 4 × 0.046 = 0.376.
        assert_eq!((d4.price_linux, d4.price_windows), (0.192, 0.376));
        let e8 = find(&c, "Standard_E8s_v5").unwrap();
        assert_eq!(
            (e8.vcpu, e8.memory_bytes, e8.price_linux),
            (8, 64 << 30, 0.504)
        );
        assert!(find(&c, "Standard_F16s_v2").is_some());
    }

    #[test]
    fn names_are_unique() {
        let c = builtin();
        let mut names: Vec<_> = c.iter().map(|s| s.name.to_ascii_lowercase()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), c.len());
    }

    #[test]
    fn suggests_close_names() {
        let c = builtin();
        assert_eq!(
            suggest(&c, "Standard_D4s_v3").as_deref(),
            Some("Standard_D4s_v5")
        );
        assert_eq!(suggest(&c, "m5.large"), None);
    }
}
