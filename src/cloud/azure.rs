//! Azure as the node provisioners see it: whether VMs can be created (AKS's node limits, the
//! subnet's addresses, the overlay pod CIDR, the family's regional vCPU quota, zones down and
//! stock-outs) with Azure's error codes, creating and deleting VMs (the bill starts and
//! stops with them), the draws of provisioning delays and faults, and each pool's price.

use rand::RngExt;

use crate::api::PoolSpec;
use crate::api::VcpuQuota;
use crate::cluster::{Cluster, CreateError, NodeId, NodeState, PoolId, ZONES, Zone};
use crate::engine::rng::Stream;
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::observe::CostMeter;
use crate::observe::cost::micro_per_hour;

/// Why Azure refused new VMs: its error code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

/// The error code of a refused or failed VM request, as Azure and AKS report it (the scale
/// set's activity log, `az aks nodepool scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// AKS's node limit per pool or per cluster.
    NodeLimitExceeded,
    /// The node subnet has no addresses left for the VM (and, with Azure CNI, its pods).
    SubnetIsFull,
    /// Azure CNI Overlay: no /24 of the pod CIDR is left for another node.
    PodCidrFull,
    /// The VM family's regional vCPU quota.
    QuotaExceeded,
    /// No capacity for the size in the zone (or the zone is down).
    ZonalAllocationFailed,
    /// No capacity for the size in the region (a regional pool).
    AllocationFailed,
    /// The VM did not register as a node within `max-node-provision-time` (the cluster
    /// autoscaler's verdict, not Azure's).
    ProvisioningTimeout,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NodeLimitExceeded => "NodeLimitExceeded",
            ErrorCode::SubnetIsFull => "SubnetIsFull",
            ErrorCode::PodCidrFull => "PodCidrFull",
            ErrorCode::QuotaExceeded => "QuotaExceeded",
            ErrorCode::ZonalAllocationFailed => "ZonalAllocationFailed",
            ErrorCode::AllocationFailed => "AllocationFailed",
            ErrorCode::ProvisioningTimeout => "ProvisioningTimeout",
        }
    }
}

impl Refusal {
    /// The refusal of a VM the cluster could not take when it was created.
    pub fn of_create_error(e: &CreateError) -> Self {
        let (code, message) = match e {
            CreateError::SubnetFull { needed, free } => (
                ErrorCode::SubnetIsFull,
                format!("the node needs {needed} subnet addresses and {free} are free"),
            ),
            CreateError::PodCidrFull => (
                ErrorCode::PodCidrFull,
                "the overlay pod CIDR has no /24 left for another node".to_string(),
            ),
            CreateError::NodeLimit { scope, limit } => (
                ErrorCode::NodeLimitExceeded,
                format!("the {scope} already has {limit} nodes, the AKS limit"),
            ),
        };
        Refusal { code, message }
    }
}

/// Azure's state for one cluster.
pub struct Azure {
    /// Per pool: provisioning delays.
    pool_rngs: Vec<Stream>,
    /// Per pool: node failures and spot evictions.
    fault_rngs: Vec<Stream>,
    /// Per pool: what one node costs, micro-dollars per hour.
    pub price_micro: Vec<u64>,
    /// Until when each zone is down.
    zone_down: [Option<SimTime>; ZONES],
    /// `(vm size, zone or every zone, until)`.
    stock_outs: Vec<(String, Option<u8>, SimTime)>,
}

impl Azure {
    pub fn new(pools: &[PoolSpec], streams: &RngStreams) -> Self {
        Azure {
            pool_rngs: pools
                .iter()
                .map(|p| streams.stream(&format!("provisioning/{}", p.name)))
                .collect(),
            fault_rngs: pools
                .iter()
                .map(|p| streams.stream(&format!("faults/{}", p.name)))
                .collect(),
            price_micro: pools
                .iter()
                .map(|p| micro_per_hour(p.price_per_hour))
                .collect(),
            zone_down: [None; ZONES],
            stock_outs: Vec::new(),
        }
    }

    /// Zone `zone` is down until `until` (or later, if another outage already runs longer).
    pub fn zone_down_until(&mut self, zone: u8, until: SimTime) {
        let slot = &mut self.zone_down[zone as usize];
        *slot = Some(slot.map_or(until, |t| t.max(until)));
    }

    /// An outage of `zone` ends at `now`: whether the zone is up again (a later outage of it
    /// may still run).
    pub fn zone_up(&mut self, zone: u8, now: SimTime) -> bool {
        if self.zone_down[zone as usize].is_some_and(|t| t > now) {
            return false;
        }
        self.zone_down[zone as usize] = None;
        true
    }

    /// `sku` cannot be allocated in `zone` (every zone when `None`) until `until`.
    pub fn stock_out(&mut self, sku: String, zone: Option<u8>, until: SimTime) {
        self.stock_outs.push((sku, zone, until));
    }

    /// Creates a VM of `pool` in `zone`: the cluster gets its node (provisioning) and the
    /// bill starts. `Err` when the cluster cannot take it (node limits, subnet, pod CIDR).
    pub fn create_vm(
        &mut self,
        cluster: &mut Cluster,
        cost: &mut CostMeter,
        pool: PoolId,
        zone: Zone,
        now: SimTime,
    ) -> Result<NodeId, CreateError> {
        let node = cluster.create_node(pool, zone, now)?;
        let p = pool.idx();
        cost.node_started(p, zone.0 as usize, self.price_micro[p], now);
        Ok(node)
    }

    /// How long a new VM of pool `p` takes to boot and register, drawn from the pool's
    /// provisioning stream.
    pub fn provisioning_delay(&mut self, spec: &PoolSpec, p: usize) -> SimDuration {
        spec.provisioning_delay.sample(&mut self.pool_rngs[p])
    }

    /// Deletes `node`'s VM: the cluster forgets the node and the bill stops.
    pub fn delete_vm(
        &mut self,
        cluster: &mut Cluster,
        cost: &mut CostMeter,
        node: NodeId,
        now: SimTime,
    ) {
        let n = cluster.node(node);
        let (p, zi, created) = (n.pool.idx(), n.zone.0 as usize, n.created_at);
        cluster.delete_node(node);
        cost.node_stopped(p, zi, self.price_micro[p], created, now);
    }

    /// Whether Azure can create `count` more VMs in `pool` now, and in which zones (best-effort
    /// balanced over the pool's zones that are up and have stock). Checks are all-or-nothing, as
    /// one scale-set update is: the node limits, the subnet, the pod CIDR, the vCPU quota of the
    /// VM family, outages and stock-outs.
    pub fn check(
        &self,
        cluster: &Cluster,
        quotas: &[VcpuQuota],
        pool: usize,
        count: u32,
        now: SimTime,
    ) -> Result<Vec<Zone>, Refusal> {
        let c = cluster;
        let p = &c.pools[pool];
        let spec = &p.spec;
        let n = u64::from(count);
        if let Err(e) = c.room_for(PoolId(pool as u32), count) {
            return Err(match e {
                CreateError::NodeLimit { scope, limit } => Refusal {
                    code: ErrorCode::NodeLimitExceeded,
                    message: format!(
                        "the {scope} would have more than {limit} nodes, the AKS limit"
                    ),
                },
                CreateError::SubnetFull { needed, free } => Refusal {
                    code: ErrorCode::SubnetIsFull,
                    message: if count == 1 {
                        format!("the node needs {needed} subnet addresses and {free} are free")
                    } else {
                        format!(
                            "{count} nodes need {needed} subnet addresses ({} each) and {free} are free",
                            spec.ips_per_node
                        )
                    },
                },
                CreateError::PodCidrFull => Refusal {
                    code: ErrorCode::PodCidrFull,
                    message: "the overlay pod CIDR has no /24 left for another node".into(),
                },
            });
        }
        // Spot VMs count against a separate spot quota, not the family's.
        let regular = spec.priority == crate::api::Priority::Regular;
        if let Some(q) = quotas
            .iter()
            .find(|q| regular && q.family == spec.sku.family)
        {
            let used: u64 = c
                .pools
                .iter()
                .filter(|x| {
                    x.spec.sku.family == q.family
                        && x.spec.priority == crate::api::Priority::Regular
                })
                .map(|x| x.nodes.len() as u64 * u64::from(x.spec.sku.vcpu))
                .sum();
            let want = n * u64::from(spec.sku.vcpu);
            if used + want > q.vcpus {
                return Err(Refusal {
                    code: ErrorCode::QuotaExceeded,
                    message: format!(
                        "{want} more {} vCPUs would exceed the regional quota: {used} of {} in use",
                        q.family, q.vcpus
                    ),
                });
            }
        }
        // Zones that can take a VM of this size now.
        let available = |z: Zone| -> Result<(), Refusal> {
            if z.0 > 0 && self.zone_down[z.0 as usize].is_some_and(|until| until > now) {
                return Err(Refusal {
                    code: ErrorCode::ZonalAllocationFailed,
                    message: format!("zone {} is down", z.0),
                });
            }
            let out = self.stock_outs.iter().any(|(sku, zone, until)| {
                *until > now && *sku == spec.sku.name && zone.is_none_or(|x| x == z.0 || z.0 == 0)
            });
            if out {
                return Err(Refusal {
                    code: if z.0 == 0 {
                        ErrorCode::AllocationFailed
                    } else {
                        ErrorCode::ZonalAllocationFailed
                    },
                    message: if z.0 == 0 {
                        format!("no capacity for {} in the region", spec.sku.name)
                    } else {
                        format!("no capacity for {} in zone {}", spec.sku.name, z.0)
                    },
                });
            }
            Ok(())
        };
        let mut counts = c.zone_counts(PoolId(pool as u32));
        let mut open: Vec<usize> = Vec::new();
        let mut refusals: Vec<Refusal> = Vec::new();
        for (i, z) in p.zones.iter().enumerate() {
            match available(*z) {
                Ok(()) => open.push(i),
                Err(r) => refusals.push(r),
            }
        }
        if open.is_empty() {
            // Every zone refused: the first zone's code, every zone's reason.
            let messages: Vec<String> = refusals.iter().map(|r| r.message.clone()).collect();
            let code = refusals.first().expect("a pool has at least one zone").code;
            return Err(Refusal {
                code,
                message: messages.join("; "),
            });
        }
        let mut zones = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let i = *open
                .iter()
                .min_by_key(|i| (counts[**i], **i))
                .expect("non-empty");
            counts[i] += 1;
            zones.push(p.zones[i]);
        }
        Ok(zones)
    }

    /// What Azure grants of a request for `count` VMs: every check is all-or-nothing except
    /// the subnet, where the VMs that still get addresses are created and the rest fail.
    pub fn grant(
        &self,
        cluster: &Cluster,
        quotas: &[VcpuQuota],
        pool: usize,
        count: u32,
        now: SimTime,
    ) -> (Vec<Zone>, Option<Refusal>) {
        match self.check(cluster, quotas, pool, count, now) {
            Ok(zones) => (zones, None),
            Err(r) if r.code == ErrorCode::SubnetIsFull => {
                let c = cluster;
                let per = c.pools[pool].spec.ips_per_node.max(1);
                let fit = (c.subnet_ips.saturating_sub(c.ips_used) / per) as u32;
                let zones = if fit > 0 {
                    self.check(cluster, quotas, pool, fit.min(count), now)
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let refused = count - zones.len() as u32;
                let message = format!(
                    "{refused} of {count} node(s) refused: each needs {per} subnet addresses and {} are free after the {} granted",
                    c.subnet_ips.saturating_sub(c.ips_used) - per * zones.len() as u64,
                    zones.len()
                );
                (
                    zones,
                    Some(Refusal {
                        code: r.code,
                        message,
                    }),
                )
            }
            Err(r) => (Vec::new(), Some(r)),
        }
    }

    /// An exponential draw with the given mean, from the pool's fault stream.
    pub fn exponential(&mut self, pool: usize, mean_ms: f64) -> SimDuration {
        let u: f64 = self.fault_rngs[pool].random();
        // 1 − u is in (0, 1]: ln is finite.
        SimDuration(libm::round(-libm::log(1.0 - u) * mean_ms).max(1.0) as u64)
    }

    /// Up to `count` distinct Ready, not-draining nodes of `pool` without any of the `skip`
    /// fault bits, drawn from its fault stream.
    pub fn pick_nodes(
        &mut self,
        cluster: &Cluster,
        pool: usize,
        count: u32,
        skip: u8,
    ) -> Vec<NodeId> {
        let c = cluster;
        let mut live: Vec<NodeId> = c.pools[pool]
            .nodes
            .iter()
            .copied()
            .filter(|n| c.node(*n).state == NodeState::Ready && c.node(*n).fault & skip == 0)
            .collect();
        let mut out = Vec::new();
        while out.len() < count as usize && !live.is_empty() {
            let i = self.fault_rngs[pool].random_range(0..live.len());
            out.push(live.swap_remove(i));
        }
        out.sort_unstable();
        out
    }
}
