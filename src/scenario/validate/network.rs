//! `[network]`: the CNI plugin, the node subnet and the overlay's pod CIDR.

use super::{Ctx, Sp};
use crate::api::{NetworkPlugin, NetworkSettings};
use crate::scenario::raw::{RawNetwork, SubnetSize};

/// `[network]`, checked; an unusable subnet or pod CIDR counts as zero addresses.
pub(super) fn network(ctx: &mut Ctx, raw: &RawNetwork) -> NetworkSettings {
    let plugin = raw
        .plugin
        .as_ref()
        .map_or(NetworkPlugin::Azure, |p| *p.get_ref());
    let (subnet_cidr, subnet_ips) = subnet(ctx, raw);
    let pod_cidr = raw
        .pod_cidr
        .as_ref()
        .map_or("10.244.0.0/16".to_string(), |s| s.get_ref().clone());
    let pod_cidr_nodes = match subnet_usable_ips(&pod_cidr) {
        // Overlay gives each node a /24 of the pod CIDR.
        Ok(ips) => (ips + 5) / 256,
        Err(e) => {
            ctx.err(
                raw.pod_cidr.as_ref().map(|s| s.span()),
                "network.pod_cidr",
                e,
            );
            0
        }
    };
    if raw.pod_cidr.is_some() && plugin != NetworkPlugin::AzureOverlay {
        ctx.warn(
            raw.pod_cidr.as_ref().map(|s| s.span()),
            "network.pod_cidr",
            "pod_cidr is used only by azure-overlay",
        );
    }
    NetworkSettings {
        plugin,
        subnet_cidr,
        subnet_ips,
        pod_cidr,
        pod_cidr_nodes,
    }
}

/// The node subnet, given by its CIDR or by its size (then named by its prefix in messages):
/// its name and usable addresses.
fn subnet(ctx: &mut Ctx, raw: &RawNetwork) -> (String, u64) {
    let (subnet_cidr, subnet_result) = match (&raw.subnet_cidr, &raw.subnet_size) {
        (Some(c), Some(sz)) => {
            ctx.err(
                Some(sz.span()),
                "network.subnet_size",
                "give subnet_cidr or subnet_size, not both",
            );
            (c.get_ref().clone(), subnet_usable_ips(c.get_ref()))
        }
        (Some(c), None) => (c.get_ref().clone(), subnet_usable_ips(c.get_ref())),
        (None, Some(sz)) => match sz.get_ref() {
            SubnetSize::Prefix(p) => {
                let cidr = format!("0.0.0.0/{}", p.trim().trim_start_matches('/'));
                (p.trim().to_string(), subnet_usable_ips(&cidr))
            }
            SubnetSize::Addresses(n) if n.is_power_of_two() && (8..=1 << 24).contains(n) => {
                let prefix = 32 - n.trailing_zeros();
                (format!("/{prefix}"), Ok(n - 5))
            }
            SubnetSize::Addresses(n) => (
                String::new(),
                Err(format!(
                    "a subnet holds a power of two of addresses, from 8 (/29) to 16777216 (/8); {n} is not one"
                )),
            ),
        },
        (None, None) => (
            "10.224.0.0/16".to_string(),
            subnet_usable_ips("10.224.0.0/16"),
        ),
    };
    let subnet_ips = subnet_result.unwrap_or_else(|e| {
        let (span, field) = match (&raw.subnet_cidr, &raw.subnet_size) {
            (Some(c), _) => (Some(c.span()), "network.subnet_cidr"),
            (None, Some(s)) => (Some(s.span()), "network.subnet_size"),
            (None, None) => (None, "network"),
        };
        ctx.err(span, field, e);
        0
    });
    (subnet_cidr, subnet_ips)
}

/// Where messages about the subnet's room point: `subnet_cidr` or `subnet_size`, as written.
pub(super) fn subnet_span(raw: &RawNetwork) -> Sp {
    raw.subnet_cidr
        .as_ref()
        .map(|s| s.span())
        .or_else(|| raw.subnet_size.as_ref().map(|s| s.span()))
}

/// Parses `a.b.c.d/p` and returns the usable addresses (2^(32−p) − 5: Azure reserves five).
pub fn subnet_usable_ips(cidr: &str) -> Result<u64, String> {
    let (addr, prefix) = cidr
        .split_once('/')
        .ok_or_else(|| format!("{cidr:?} is not a CIDR like \"10.224.0.0/16\""))?;
    let octets: Vec<&str> = addr.split('.').collect();
    if octets.len() != 4 || octets.iter().any(|o| o.parse::<u8>().is_err()) {
        return Err(format!("{cidr:?}: {addr:?} is not an IPv4 address"));
    }
    let p: u32 = prefix
        .parse()
        .map_err(|_| format!("{cidr:?}: bad prefix length {prefix:?}"))?;
    if !(8..=29).contains(&p) {
        return Err(format!(
            "{cidr:?}: prefix /{p} is outside /8–/29, the sizes Azure allows"
        ));
    }
    Ok((1u64 << (32 - p)) - 5)
}
