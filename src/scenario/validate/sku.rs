//! `[[sku]]`: VM sizes added to the built-in catalogue, or overriding its entries.

use super::Ctx;
use crate::api::{Sku, catalogue};
use crate::scenario::raw::{RawSku, S};

/// Loads the SKU catalogue: the built-in table with `[[sku]]` entries added or overriding.
pub(super) fn skus(ctx: &mut Ctx, raw: &[S<RawSku>]) -> Vec<Sku> {
    let mut list = catalogue::builtin();
    for s in raw {
        let span = Some(s.span());
        let r = s.get_ref();
        let name = r.name.get_ref().trim().to_string();
        let field = format!("sku {name:?}");
        ctx.no_control(&name, Some(r.name.span()), format!("{field}.name"));
        if let Some(f) = &r.family {
            ctx.no_control(f.get_ref(), Some(f.span()), format!("{field}.family"));
        }
        let memory = ctx.memory(&r.memory, &format!("{field}.memory"));
        let existing = list.iter().position(|k| k.name.eq_ignore_ascii_case(&name));
        let mut sku = match existing {
            Some(i) => list[i].clone(),
            None => {
                let (Some(vcpu), Some(mem), Some(price)) =
                    (r.vcpu.as_ref(), memory, r.price_linux.as_ref())
                else {
                    ctx.err(span, field, "a SKU that is not in the built-in catalogue needs vcpu, memory and price_linux");
                    continue;
                };
                let vcpu = *vcpu.get_ref();
                let linux = *price.get_ref();
                let licence = catalogue::WINDOWS_LICENCE_PER_VCPU_HOUR * f64::from(vcpu);
                Sku {
                    name: name.clone(),
                    vcpu,
                    memory_bytes: mem,
                    family: r
                        .family
                        .as_ref()
                        .map_or_else(|| "custom".into(), |f| f.get_ref().clone()),
                    price_linux: linux,
                    price_windows: linux + licence,
                    spot_price_linux: linux * catalogue::SPOT_FRACTION,
                    spot_price_windows: linux * catalogue::SPOT_FRACTION + licence,
                }
            }
        };
        if let Some(v) = &r.vcpu {
            sku.vcpu = *v.get_ref();
            if !(1..=416).contains(&sku.vcpu) {
                ctx.err(
                    Some(v.span()),
                    format!("{field}.vcpu"),
                    "vcpu must be between 1 and 416",
                );
            }
        }
        if let Some(m) = memory {
            sku.memory_bytes = m;
            if !(1 << 30..=12 << 40).contains(&m) {
                ctx.err(
                    r.memory.as_ref().map(|m| m.span()),
                    format!("{field}.memory"),
                    "memory must be between 1Gi and 12Ti",
                );
            }
        }
        if let Some(f) = &r.family {
            sku.family = f.get_ref().clone();
        }
        let mut price = |v: &Option<S<f64>>, slot: &mut f64, key: &str| {
            if let Some(p) = v {
                if !p.get_ref().is_finite() || *p.get_ref() < 0.0 || *p.get_ref() > 1000.0 {
                    ctx.err(
                        Some(p.span()),
                        format!("{field}.{key}"),
                        "a price must be between 0 and 1000 USD per hour",
                    );
                }
                *slot = *p.get_ref();
            }
        };
        let had_windows = r.price_windows.is_some();
        price(&r.price_linux, &mut sku.price_linux, "price_linux");
        price(&r.price_windows, &mut sku.price_windows, "price_windows");
        price(
            &r.spot_price_linux,
            &mut sku.spot_price_linux,
            "spot_price_linux",
        );
        price(
            &r.spot_price_windows,
            &mut sku.spot_price_windows,
            "spot_price_windows",
        );
        if r.price_linux.is_some() && !had_windows && existing.is_some() {
            // Keep the licence difference when only the Linux price was overridden.
            sku.price_windows =
                sku.price_linux + catalogue::WINDOWS_LICENCE_PER_VCPU_HOUR * f64::from(sku.vcpu);
        }
        match existing {
            Some(i) => list[i] = sku,
            None => list.push(sku),
        }
    }
    list
}
