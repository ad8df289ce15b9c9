//! The cluster: node pools, nodes, pods and deployments, with the sums the scheduler and the
//! outputs read (requested CPU and memory, pod counts, subnet addresses) kept up to date by the
//! few methods that change them.
//!
//! Entities live in `Vec`s indexed by newtype ids. Node and pod slots are never reused within a
//! run except pods (a slab with a free list); every timer carries a generation, so a stale
//! timer for a reused or changed pod is ignored.

use crate::api::*;
use crate::engine::{SimDuration, SimTime};

macro_rules! id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id!(/// A node pool: index into `Cluster::pools`.
    PoolId);
id!(/// A node: index into `Cluster::nodes` (never reused within a run).
    NodeId);
id!(/// A pod slot: index into `Cluster::pods` (reused; pair it with the pod's generation).
    PodId);
id!(/// A deployment: index into `Cluster::deployments`.
    DeploymentId);
id!(/// A pod spec shared by equivalent pods (a scheduling equivalence class).
    ClassId);

/// Availability zone 1–3, or 0 for a regional (non-zonal) pool's fault domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Zone(pub u8);

pub const ZONES: usize = 4;

impl Zone {
    /// The `topology.kubernetes.io/zone` value: `<region>-<n>`, or `0` for regional pools.
    pub fn label(self, region: &str) -> String {
        if self.0 == 0 {
            "0".to_string()
        } else {
            format!("{region}-{}", self.0)
        }
    }
    /// The short form used in outputs: "1", "2", "3", or "none".
    pub fn short(self) -> &'static str {
        ["none", "1", "2", "3"][self.0 as usize]
    }
}

/// The labels every node of `pool` in `zone` carries (all but the hostname).
pub fn pool_labels(pool: &PoolSpec, zone: Zone, region: &str) -> Labels {
    let mut l = Labels::new();
    l.insert(LABEL_OS.into(), pool.os.as_str().into());
    l.insert(LABEL_ARCH.into(), "amd64".into());
    l.insert(LABEL_INSTANCE_TYPE.into(), pool.sku.name.clone());
    l.insert(LABEL_REGION.into(), region.into());
    l.insert(LABEL_ZONE.into(), zone.label(region));
    l.insert(LABEL_AGENTPOOL.into(), pool.name.clone());
    l.insert(LABEL_AGENTPOOL_SHORT.into(), pool.name.clone());
    l.insert(
        LABEL_MODE.into(),
        if pool.mode == Mode::System {
            "system"
        } else {
            "user"
        }
        .into(),
    );
    l.insert(LABEL_OS_SKU.into(), pool.os_sku.clone());
    if pool.os == Os::Windows {
        // Windows Server build numbers (reference §3.3): 2019 = 10.0.17763, 2022 = 10.0.20348.
        let build = match pool.os_sku.as_str() {
            "Windows2019" => "10.0.17763",
            "Windows2025" => "10.0.26100",
            _ => "10.0.20348",
        };
        l.insert(LABEL_WINDOWS_BUILD.into(), build.into());
    }
    if pool.priority == Priority::Spot {
        l.insert(LABEL_SCALESET_PRIORITY.into(), "spot".into());
    }
    for (k, v) in &pool.labels {
        l.insert(k.clone(), v.clone());
    }
    l
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// The VM is being created; billed, holding subnet addresses, not schedulable.
    Provisioning,
    Ready,
    /// Cordoned and draining before its VM is deleted ("Ready,SchedulingDisabled"): still
    /// billed, its pods shutting down, new pods rejected by NodeUnschedulable.
    Deleting,
    /// Removed; kept for the record (ids are never reused).
    Deleted,
}

/// `repr(C)` with the fields the scheduler's filter reads first, so that one cache line of a
/// node answers NodeUnschedulable, the static verdict and NodeResourcesFit.
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Node {
    pub state: NodeState,
    pub zone: Zone,
    pub pool: PoolId,
    pub pod_count: u32,
    /// Bumped on every state change; timers carry it.
    pub generation: u32,
    /// Σ requests of every pod on the node (DaemonSet pods included).
    pub cpu_requested: u64,
    pub memory_requested: u64,
    pub allocatable: Allocatable,
    pub id: NodeId,
    pub daemon_pods: u32,
    /// Σ requests with kube-scheduler's non-zero defaults (100m, 200Mi): LeastAllocated's input.
    pub cpu_nonzero_requested: u64,
    pub memory_nonzero_requested: u64,
    pub name: String,
    pub created_at: SimTime,
    pub ready_at: Option<SimTime>,
    /// Non-terminating pods per deployment on this node (hostname spreading, ReplicaSet ranks).
    pub owner_counts: Vec<(DeploymentId, u32)>,
    /// User (non-DaemonSet) pods bound here, in bind order.
    pub pods: Vec<PodId>,
    /// Pods bound here that have not started yet (pulling images).
    pub pods_starting: u32,
    /// Pods here that are shutting down (deleted, within their grace period).
    pub pods_terminating: u32,
    /// Images present or being pulled, with the instant each is (or will be) ready.
    pub images: Vec<(u32, SimTime)>,
    /// With serialized pulls, when the image puller is free again.
    pub puller_free_at: SimTime,
    /// Subnet addresses held.
    pub ips: u64,
    /// Why the node's Ready condition is False (`FAULT_*` bits); 0 = healthy. A faulty node
    /// keeps its state (and its pods) but takes no new pod, and its pods are not ready.
    pub fault: u8,
    /// Since when the Ready condition has been False (set with the first fault).
    pub not_ready_since: Option<SimTime>,
    /// When the VM's boot completes (provisioning nodes).
    pub boot_due: SimTime,
    /// Bumped when the VM fails and when it is repaired (failure and repair timers carry it).
    pub vm_epoch: u32,
}

/// The node's zone is down.
pub const FAULT_ZONE: u8 = 1;
/// The VM itself failed (until node auto-repair brings it back).
pub const FAULT_VM: u8 = 2;

impl Node {
    pub fn pods_of(&self, d: DeploymentId) -> u32 {
        self.owner_counts
            .iter()
            .find(|(x, _)| *x == d)
            .map_or(0, |(_, n)| *n)
    }
    fn add_owner(&mut self, d: DeploymentId, delta: i32) {
        match self.owner_counts.iter_mut().position(|(x, _)| *x == d) {
            Some(i) => {
                let n = &mut self.owner_counts[i].1;
                *n = n.checked_add_signed(delta).expect("owner count underflow");
                if *n == 0 {
                    self.owner_counts.swap_remove(i);
                }
            }
            None => {
                assert!(delta > 0, "owner count underflow");
                self.owner_counts.push((d, delta as u32));
            }
        }
    }
    pub fn image_ready_at(&self, image: u32) -> Option<SimTime> {
        self.images
            .iter()
            .find(|(i, _)| *i == image)
            .map(|(_, t)| *t)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodPhase {
    /// Not bound to a node (Kubernetes: Pending, PodScheduled=False).
    Unscheduled,
    /// Bound; pulling the image or creating the container (Kubernetes: Pending).
    Starting,
    /// Containers running, readiness not yet passed.
    Running,
    Ready,
    /// Bound but the image cannot run on the node's OS (ErrImagePull / ImagePullBackOff).
    ImagePullBackOff,
    /// Deleted, waiting for its containers to stop; still holds its node's resources.
    Terminating,
    /// Gone; the slot is free.
    Gone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Deployment(DeploymentId),
}

#[derive(Debug, Clone)]
pub struct Pod {
    pub owner: Owner,
    pub class: ClassId,
    /// The number in the pod's name, `<deployment>-<ordinal>`.
    pub ordinal: u32,
    pub phase: PodPhase,
    pub generation: u32,
    pub node: Option<NodeId>,
    pub created_at: SimTime,
    pub scheduled_at: Option<SimTime>,
    pub running_at: Option<SimTime>,
    pub ready_at: Option<SimTime>,
    /// Scheduling attempts that failed since the pod was created.
    pub attempts: u32,
    pub last_attempt: SimTime,
    /// When a terminating pod's containers will have stopped.
    pub stops_at: SimTime,
    /// Index in its deployment's `pods` list while it counts towards the deployment.
    pub dep_slot: u32,
    /// Placed by the warm start: running since before the run began.
    pub warm: bool,
    /// When the scheduler first found no node for it (PodScheduled=False, Unschedulable).
    pub unschedulable_at: Option<SimTime>,
}

impl Pod {
    /// Holds node resources (bound and not gone).
    pub fn is_bound(&self) -> bool {
        self.node.is_some() && self.phase != PodPhase::Gone
    }
}

#[derive(Debug, Clone)]
pub struct PoolState {
    pub spec: PoolSpec,
    /// Zones as `Zone` values, in the pool's order (one `Zone(0)` for a regional pool).
    pub zones: Vec<Zone>,
    /// Labels per zone (indexed like `zones`).
    pub zone_labels: Vec<Labels>,
    /// Live nodes (provisioning or ready), in creation order.
    pub nodes: Vec<NodeId>,
    /// Ready nodes per zone.
    pub ready_in_zone: [u32; ZONES],
    /// DaemonSet pods on one node, per zone (indexed like `zones`).
    pub daemon: Vec<DaemonLoad>,
    /// The stem of node names (`aks-<pool>-<8 digits>-vmss` or `aks<pool>`).
    name_stem: String,
    next_instance: u32,
}

impl PoolState {
    pub fn zone_index(&self, zone: Zone) -> usize {
        self.zones.iter().position(|z| *z == zone).unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub struct DeploymentState {
    pub name: String,
    /// `Some(i)` for the group of pods replayed by the scenario's `i`-th pod trace: not a
    /// deployment (no ReplicaSet reconciles it), kept here so that its pods are counted the
    /// same way.
    pub trace: Option<u32>,
    pub class: ClassId,
    pub desired: u32,
    /// Pods that count towards `desired` (not terminating), in no particular order.
    pub pods: Vec<PodId>,
    pub next_ordinal: u32,
    /// Bound, non-terminating pods of this deployment per zone (topology spread).
    pub zone_counts: [u32; ZONES],
    /// Pods in the Ready phase (the ones that serve its load).
    pub ready: u32,
    /// Bumped whenever one of its pods is created, changes phase or goes: what the HPA's
    /// inputs depend on, in O(1).
    pub version: u64,
    /// The latest instant one of its pods was scheduled.
    pub last_start: Option<SimTime>,
}

impl DeploymentState {
    fn new(name: String, trace: Option<u32>, class: ClassId, desired: u32) -> Self {
        DeploymentState {
            name,
            trace,
            class,
            desired,
            pods: Vec::new(),
            next_ordinal: 0,
            zone_counts: [0; ZONES],
            ready: 0,
            version: 0,
            last_start: None,
        }
    }
}

/// The whole cluster state.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub region: String,
    pub pools: Vec<PoolState>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    free_pods: Vec<PodId>,
    pub deployments: Vec<DeploymentState>,
    pub classes: Vec<PodTemplate>,
    /// The first class of each trace's pod shapes.
    pub trace_class_base: Vec<u32>,
    pub subnet_ips: u64,
    pub ips_used: u64,
    /// AKS's node limit for this cluster (5,000; 400 with kubenet).
    pub max_nodes: u64,
    /// Overlay: nodes the pod CIDR still has a /24 for (`None` when pods take no CIDR block).
    pub pod_cidr_nodes_free: Option<u64>,
    /// How many nodes hold each image (ImageLocality's spread factor).
    pub image_node_counts: Vec<u32>,
    pub image_sizes: Vec<u64>,
    /// Bumped on every change that can make a pending pod schedulable — a node turning Ready or
    /// going away (spread domains), a pod terminating (spread counts) or leaving (room) — so
    /// that unschedulable pods are retried.
    pub capacity_version: u64,
    /// Bumped whenever the set of schedulable nodes changes.
    pub node_set_version: u64,
}

/// Why a node could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateError {
    SubnetFull {
        needed: u64,
        free: u64,
    },
    PodCidrFull,
    /// The pool (or the cluster) already has as many nodes as AKS allows; nodes still
    /// draining count until their VMs are deleted.
    NodeLimit {
        scope: &'static str,
        limit: u64,
    },
}

/// What a cluster starts from: its pools, DaemonSets, network and images, and its workloads'
/// pod templates.
pub struct Spec<'a> {
    /// The simulation's name, which the scale sets' names are derived from.
    pub name: &'a str,
    pub region: &'a str,
    pub pools: &'a [PoolSpec],
    pub daemonsets: &'a [DaemonSetSpec],
    pub network: &'a NetworkSettings,
    pub images: &'a [ImageSpec],
    /// Deployments first (deployment `i` is workload `i`), then traces.
    pub workloads: Vec<Workload>,
}

/// A deployment (one template, its initial replicas) or a trace (one template per pod shape).
pub struct Workload {
    pub name: String,
    pub templates: Vec<PodTemplate>,
    pub replicas: u32,
    pub trace: bool,
}

impl Cluster {
    pub fn new(s: &Spec) -> Self {
        let region = s.region.to_string();
        let pools = s
            .pools
            .iter()
            .map(|p| {
                let zones: Vec<Zone> = if p.zones.is_empty() {
                    vec![Zone(0)]
                } else {
                    p.zones
                        .iter()
                        .map(|z| Zone(z.parse().expect("validated zone")))
                        .collect()
                };
                let zone_labels: Vec<Labels> =
                    zones.iter().map(|z| pool_labels(p, *z, &region)).collect();
                let daemon = zone_labels
                    .iter()
                    .map(|labels| DaemonLoad::on(s.daemonsets, p, labels))
                    .collect();
                // AKS names: Linux `aks-<pool>-<8 digits>-vmss<6 base36>`; Windows computer
                // names `aks<pool><6 base36>` (hence the 6-character pool name limit).
                let digits = crate::engine::rng::fnv1a(format!("{}/{}", s.name, p.name).as_bytes())
                    % 100_000_000;
                let name_stem = match p.os {
                    Os::Linux => format!("aks-{}-{digits:08}-vmss", p.name),
                    Os::Windows => format!("aks{}", p.name),
                };
                PoolState {
                    spec: p.clone(),
                    zones,
                    zone_labels,
                    nodes: Vec::new(),
                    ready_in_zone: [0; ZONES],
                    daemon,
                    name_stem,
                    next_instance: 0,
                }
            })
            .collect();
        // Each workload's templates are classes in order: a deployment's one template, a
        // trace's pod shapes.
        let mut classes = Vec::new();
        let mut deployments = Vec::with_capacity(s.workloads.len());
        let mut trace_class_base = Vec::new();
        for w in &s.workloads {
            let base = ClassId(classes.len() as u32);
            classes.extend(w.templates.iter().cloned());
            let trace = w.trace.then_some(trace_class_base.len() as u32);
            if w.trace {
                trace_class_base.push(base.0);
            }
            deployments.push(DeploymentState::new(
                w.name.clone(),
                trace,
                base,
                w.replicas,
            ));
        }
        Cluster {
            region,
            pools,
            nodes: Vec::new(),
            pods: Vec::new(),
            free_pods: Vec::new(),
            deployments,
            classes,
            trace_class_base,
            subnet_ips: s.network.subnet_ips,
            ips_used: 0,
            max_nodes: crate::api::network::max_nodes_per_cluster(s.network.plugin),
            pod_cidr_nodes_free: if s.network.plugin == crate::api::NetworkPlugin::AzureOverlay {
                Some(s.network.pod_cidr_nodes)
            } else {
                None
            },
            image_node_counts: vec![0; s.images.len()],
            image_sizes: s.images.iter().map(|i| i.size_bytes).collect(),
            capacity_version: 0,
            node_set_version: 0,
        }
    }

    pub fn pool(&self, id: PoolId) -> &PoolState {
        &self.pools[id.idx()]
    }
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.idx()]
    }
    pub fn pod(&self, id: PodId) -> &Pod {
        &self.pods[id.idx()]
    }
    pub fn template(&self, class: ClassId) -> &PodTemplate {
        &self.classes[class.idx()]
    }
    /// (cpu millicores, memory bytes) requested by one pod of `class`.
    pub fn requests(&self, class: ClassId) -> (u64, u64) {
        let t = &self.classes[class.idx()];
        (t.cpu_request_millis, t.memory_request_bytes)
    }

    /// The zone a new node of `pool` goes to: the zone with the fewest live nodes of the pool,
    /// the first such zone on a tie (Azure spreads a scale set's instances across its zones).
    pub fn next_zone(&self, pool: PoolId) -> Zone {
        let p = self.pool(pool);
        let counts = self.zone_counts(pool);
        let i = (0..counts.len())
            .min_by_key(|i| (counts[*i], *i))
            .unwrap_or(0);
        p.zones[i]
    }

    /// The pool's live nodes per zone (indexed like its `zones`). Draining nodes are on their
    /// way out: they do not count for the balance.
    pub fn zone_counts(&self, pool: PoolId) -> Vec<u32> {
        let p = self.pool(pool);
        let mut counts = vec![0u32; p.zones.len()];
        for n in p
            .nodes
            .iter()
            .map(|n| self.node(*n))
            .filter(|n| n.state != NodeState::Deleting)
        {
            counts[p.zone_index(n.zone)] += 1;
        }
        counts
    }

    /// Starts creating a VM in `pool`/`zone`: takes subnet addresses and bills from now on.
    /// Whether `count` more nodes fit in `pool`: AKS's node limits per pool and per cluster, the
    /// subnet's free addresses (for `SubnetFull`, `needed` is what all of them need) and the
    /// overlay pod CIDR.
    pub fn room_for(&self, pool: PoolId, count: u32) -> Result<(), CreateError> {
        let p = &self.pools[pool.idx()];
        let n = u64::from(count);
        let per_pool = u64::from(crate::api::network::MAX_NODES_PER_POOL);
        if p.nodes.len() as u64 + n > per_pool {
            return Err(CreateError::NodeLimit {
                scope: "pool",
                limit: per_pool,
            });
        }
        let in_cluster: u64 = self.pools.iter().map(|q| q.nodes.len() as u64).sum();
        if in_cluster + n > self.max_nodes {
            return Err(CreateError::NodeLimit {
                scope: "cluster",
                limit: self.max_nodes,
            });
        }
        let needed = p.spec.ips_per_node * n;
        let free = self.subnet_ips.saturating_sub(self.ips_used);
        if needed > free {
            return Err(CreateError::SubnetFull { needed, free });
        }
        if self.pod_cidr_nodes_free.is_some_and(|left| left < n) {
            return Err(CreateError::PodCidrFull);
        }
        Ok(())
    }

    pub fn create_node(
        &mut self,
        pool: PoolId,
        zone: Zone,
        now: SimTime,
    ) -> Result<NodeId, CreateError> {
        self.room_for(pool, 1)?;
        let needed = self.pools[pool.idx()].spec.ips_per_node;
        let id = NodeId(self.nodes.len() as u32);
        let p = &mut self.pools[pool.idx()];
        let name = format!("{}{}", p.name_stem, base36(p.next_instance));
        p.next_instance += 1;
        p.nodes.push(id);
        self.ips_used += needed;
        if let Some(free) = &mut self.pod_cidr_nodes_free {
            *free -= 1;
        }
        let allocatable = p.spec.allocatable;
        self.nodes.push(Node {
            id,
            name,
            pool,
            zone,
            state: NodeState::Provisioning,
            generation: 0,
            created_at: now,
            ready_at: None,
            allocatable,
            cpu_requested: 0,
            memory_requested: 0,
            pod_count: 0,
            cpu_nonzero_requested: 0,
            memory_nonzero_requested: 0,
            owner_counts: Vec::new(),
            pods: Vec::new(),
            daemon_pods: 0,
            pods_starting: 0,
            pods_terminating: 0,
            images: Vec::new(),
            puller_free_at: now,
            ips: needed,
            fault: 0,
            not_ready_since: None,
            boot_due: now,
            vm_epoch: 0,
        });
        Ok(id)
    }

    /// The node registers and turns Ready; its DaemonSet pods take their share at once.
    pub fn node_ready(&mut self, id: NodeId, now: SimTime) {
        let (pool_id, zone) = (self.nodes[id.idx()].pool, self.nodes[id.idx()].zone);
        self.pools[pool_id.idx()].ready_in_zone[zone.0 as usize] += 1;
        let pool = &self.pools[pool_id.idx()];
        let d = pool.daemon[pool.zone_index(zone)];
        let (cpu, mem, n) = (d.cpu_millis, d.memory_bytes, d.pods);
        let (cpu_nz, mem_nz) = (d.cpu_nonzero, d.memory_nonzero);
        let node = &mut self.nodes[id.idx()];
        node.cpu_nonzero_requested += cpu_nz;
        node.memory_nonzero_requested += mem_nz;
        debug_assert_eq!(node.state, NodeState::Provisioning);
        node.state = NodeState::Ready;
        node.generation += 1;
        node.ready_at = Some(now);
        node.cpu_requested += cpu;
        node.memory_requested += mem;
        node.pod_count += n;
        node.daemon_pods = n;
        node.puller_free_at = node.puller_free_at.max(now);
        self.capacity_version += 1;
        self.node_set_version += 1;
    }

    /// Removes a node. Returns the user pods that were on it; the caller deals with them
    /// (they must be unbound first or are dropped from the node here).
    pub fn delete_node(&mut self, id: NodeId) -> Vec<PodId> {
        self.capacity_version += 1;
        let pods = std::mem::take(&mut self.nodes[id.idx()].pods);
        for &pod in &pods {
            self.unbind(pod);
        }
        let node = &mut self.nodes[id.idx()];
        if matches!(node.state, NodeState::Ready | NodeState::Deleting) {
            self.node_set_version += 1;
            self.pools[node.pool.idx()].ready_in_zone[node.zone.0 as usize] -= 1;
        }
        node.state = NodeState::Deleted;
        node.generation += 1;
        for &(img, _) in &node.images {
            self.image_node_counts[img as usize] -= 1;
        }
        node.images.clear();
        self.ips_used -= node.ips;
        node.ips = 0;
        if let Some(free) = &mut self.pod_cidr_nodes_free {
            *free += 1;
        }
        let pool = node.pool;
        self.pools[pool.idx()].nodes.retain(|n| *n != id);
        pods
    }

    /// Sets a fault on a node. When its Ready condition turns False (the first fault), the
    /// node controller marks its pods not ready: Ready pods go back to Running and stop counting
    /// for their deployment. Returns true if the node was healthy.
    pub fn set_fault(&mut self, id: NodeId, bit: u8, now: SimTime) -> bool {
        let node = &mut self.nodes[id.idx()];
        let was_healthy = node.fault == 0;
        node.fault |= bit;
        if !was_healthy {
            return false;
        }
        node.not_ready_since = Some(now);
        node.generation += 1;
        self.node_set_version += 1;
        self.capacity_version += 1;
        for i in 0..self.nodes[id.idx()].pods.len() {
            let pod = self.nodes[id.idx()].pods[i];
            let p = &mut self.pods[pod.idx()];
            if p.phase == PodPhase::Ready {
                p.phase = PodPhase::Running;
                p.generation += 1;
                let Owner::Deployment(d) = p.owner;
                self.deployments[d.idx()].ready -= 1;
                self.deployments[d.idx()].version += 1;
            }
        }
        true
    }

    /// A pod that was ready before its node's Ready condition turned False is ready again
    /// (its `ready_at` keeps the first time).
    pub fn pod_ready_again(&mut self, pod: PodId) {
        let p = &mut self.pods[pod.idx()];
        debug_assert_eq!(p.phase, PodPhase::Running);
        p.phase = PodPhase::Ready;
        p.generation += 1;
        let Owner::Deployment(d) = p.owner;
        self.deployments[d.idx()].ready += 1;
        self.deployments[d.idx()].version += 1;
    }

    /// Clears a fault. Returns true if the node is healthy again (its Running pods are then
    /// reported ready by the caller).
    pub fn clear_fault(&mut self, id: NodeId, bit: u8) -> bool {
        let node = &mut self.nodes[id.idx()];
        if node.fault & bit == 0 {
            return false;
        }
        node.fault &= !bit;
        if node.fault != 0 {
            return false;
        }
        node.not_ready_since = None;
        node.generation += 1;
        self.node_set_version += 1;
        self.capacity_version += 1;
        true
    }

    /// Cordons a Ready node before it is drained and deleted: no new pod may land on it.
    pub fn cordon(&mut self, id: NodeId) {
        let node = &mut self.nodes[id.idx()];
        debug_assert_eq!(node.state, NodeState::Ready);
        node.state = NodeState::Deleting;
        node.generation += 1;
        self.node_set_version += 1;
    }

    /// Creates a pod of deployment `d` (Unscheduled).
    pub fn create_pod(&mut self, d: DeploymentId, now: SimTime) -> PodId {
        let dep = &mut self.deployments[d.idx()];
        let ordinal = dep.next_ordinal;
        dep.next_ordinal += 1;
        let class = dep.class;
        self.new_pod(d, class, ordinal, now)
    }

    /// Creates a pod of a trace group with its own class; `ordinal` is its trace row.
    pub fn create_trace_pod(
        &mut self,
        d: DeploymentId,
        class: ClassId,
        ordinal: u32,
        now: SimTime,
    ) -> PodId {
        debug_assert!(self.deployments[d.idx()].trace.is_some());
        self.new_pod(d, class, ordinal, now)
    }

    fn new_pod(&mut self, d: DeploymentId, class: ClassId, ordinal: u32, now: SimTime) -> PodId {
        let fresh = Pod {
            owner: Owner::Deployment(d),
            class,
            ordinal,
            phase: PodPhase::Unscheduled,
            generation: 0,
            node: None,
            created_at: now,
            scheduled_at: None,
            running_at: None,
            ready_at: None,
            attempts: 0,
            last_attempt: now,
            stops_at: now,
            dep_slot: 0,
            warm: false,
            unschedulable_at: None,
        };
        let id = match self.free_pods.pop() {
            Some(id) => {
                let generation = self.pods[id.idx()].generation + 1;
                self.pods[id.idx()] = Pod {
                    generation,
                    ..fresh
                };
                id
            }
            None => {
                self.pods.push(fresh);
                PodId(self.pods.len() as u32 - 1)
            }
        };
        let dep = &mut self.deployments[d.idx()];
        self.pods[id.idx()].dep_slot = dep.pods.len() as u32;
        dep.pods.push(id);
        dep.version += 1;
        id
    }

    /// Binds an unscheduled pod to a node: the scheduler's decision, applied.
    pub fn bind(&mut self, pod: PodId, node: NodeId, now: SimTime) {
        let (cpu, mem) = self.requests(self.pods[pod.idx()].class);
        let zone = self.nodes[node.idx()].zone;
        let p = &mut self.pods[pod.idx()];
        debug_assert_eq!(p.phase, PodPhase::Unscheduled);
        p.node = Some(node);
        p.phase = PodPhase::Starting;
        p.generation += 1;
        p.scheduled_at = Some(now);
        let Owner::Deployment(d) = p.owner;
        let dep = &mut self.deployments[d.idx()];
        dep.version += 1;
        dep.last_start = Some(now);
        let n = &mut self.nodes[node.idx()];
        n.cpu_requested += cpu;
        n.memory_requested += mem;
        n.cpu_nonzero_requested += crate::api::non_zero_cpu(cpu);
        n.memory_nonzero_requested += crate::api::non_zero_memory(mem);
        n.pod_count += 1;
        n.pods_starting += 1;
        n.pods.push(pod);
        n.add_owner(d, 1);
        self.deployments[d.idx()].zone_counts[zone.0 as usize] += 1;
    }

    /// Frees the pod's share of its node (on termination or node loss). The pod keeps its
    /// phase; callers set it.
    fn unbind(&mut self, pod: PodId) {
        let p = &self.pods[pod.idx()];
        let Some(node) = p.node else { return };
        let (cpu, mem) = self.requests(p.class);
        let starting = p.phase == PodPhase::Starting || p.phase == PodPhase::ImagePullBackOff;
        let counted = p.phase != PodPhase::Terminating;
        let Owner::Deployment(d) = p.owner;
        let n = &mut self.nodes[node.idx()];
        n.cpu_requested -= cpu;
        n.memory_requested -= mem;
        n.cpu_nonzero_requested -= crate::api::non_zero_cpu(cpu);
        n.memory_nonzero_requested -= crate::api::non_zero_memory(mem);
        n.pod_count -= 1;
        if starting {
            n.pods_starting -= 1;
        }
        if let Some(i) = n.pods.iter().position(|x| *x == pod) {
            n.pods.remove(i);
        }
        if !counted {
            n.pods_terminating -= 1;
        }
        if counted {
            n.add_owner(d, -1);
            self.deployments[d.idx()].zone_counts[n.zone.0 as usize] -= 1;
        }
        self.pods[pod.idx()].node = None;
        self.capacity_version += 1;
    }

    /// Marks a bound pod as terminating: it stops counting for its deployment and its zone,
    /// but keeps its node's resources until `remove_pod`.
    pub fn start_termination(&mut self, pod: PodId) {
        self.capacity_version += 1;
        let p = &self.pods[pod.idx()];
        let Owner::Deployment(d) = p.owner;
        if p.phase == PodPhase::Ready {
            self.deployments[d.idx()].ready -= 1;
        }
        if let Some(node) = p.node {
            let starting = matches!(p.phase, PodPhase::Starting | PodPhase::ImagePullBackOff);
            let n = &mut self.nodes[node.idx()];
            self.deployments[d.idx()].zone_counts[n.zone.0 as usize] -= 1;
            n.add_owner(d, -1);
            if starting {
                n.pods_starting -= 1;
            }
            n.pods_terminating += 1;
        }
        self.detach(d, pod);
        self.deployments[d.idx()].version += 1;
        let p = &mut self.pods[pod.idx()];
        p.phase = PodPhase::Terminating;
        p.generation += 1;
    }

    /// Takes a pod out of its deployment's list in O(1) (the list's order carries no meaning:
    /// the ReplicaSet ranking sorts it fully).
    fn detach(&mut self, d: DeploymentId, pod: PodId) {
        let slot = self.pods[pod.idx()].dep_slot as usize;
        let list = &mut self.deployments[d.idx()].pods;
        // Checked in release builds too: a wrong slot would silently take another pod out.
        assert_eq!(list.get(slot), Some(&pod), "pod's slot in its deployment");
        list.swap_remove(slot);
        if let Some(&moved) = list.get(slot) {
            self.pods[moved.idx()].dep_slot = slot as u32;
        }
    }

    /// Removes a pod for good (terminated, or deleted while unscheduled) and frees its slot.
    pub fn remove_pod(&mut self, pod: PodId) {
        // A terminating pod already left its deployment and zone counts; `unbind` knows.
        if self.pods[pod.idx()].phase != PodPhase::Terminating {
            let Owner::Deployment(d) = self.pods[pod.idx()].owner;
            if self.pods[pod.idx()].phase == PodPhase::Ready {
                self.deployments[d.idx()].ready -= 1;
            }
            self.detach(d, pod);
        }
        self.unbind(pod);
        let Owner::Deployment(d) = self.pods[pod.idx()].owner;
        self.deployments[d.idx()].version += 1;
        let p = &mut self.pods[pod.idx()];
        p.phase = PodPhase::Gone;
        p.node = None;
        p.generation += 1;
        self.free_pods.push(pod);
    }

    /// The pod has started its containers (image present).
    pub fn pod_running(&mut self, pod: PodId, now: SimTime) {
        let p = &mut self.pods[pod.idx()];
        debug_assert_eq!(p.phase, PodPhase::Starting);
        p.phase = PodPhase::Running;
        p.generation += 1;
        p.running_at = Some(now);
        let Owner::Deployment(d) = p.owner;
        let node = p.node.expect("running pods are bound");
        self.deployments[d.idx()].version += 1;
        self.nodes[node.idx()].pods_starting -= 1;
    }

    pub fn pod_ready(&mut self, pod: PodId, now: SimTime) {
        let p = &mut self.pods[pod.idx()];
        debug_assert_eq!(p.phase, PodPhase::Running);
        p.phase = PodPhase::Ready;
        p.generation += 1;
        p.ready_at = Some(now);
        let Owner::Deployment(d) = p.owner;
        self.deployments[d.idx()].ready += 1;
        self.deployments[d.idx()].version += 1;
    }

    /// The pod cannot run its image on this node's OS: it stays bound, never starts.
    pub fn pod_image_backoff(&mut self, pod: PodId) {
        let p = &mut self.pods[pod.idx()];
        p.phase = PodPhase::ImagePullBackOff;
        p.generation += 1;
        let Owner::Deployment(d) = p.owner;
        self.deployments[d.idx()].version += 1;
    }

    /// When `image` will be present on `node` if a pull is requested at `now`; starts the pull
    /// if needed. With serialized pulls (the kubelet default) one pull runs at a time per node.
    pub fn request_image(
        &mut self,
        node: NodeId,
        image: u32,
        pull_time: SimDuration,
        serialize: bool,
        now: SimTime,
    ) -> SimTime {
        let n = &mut self.nodes[node.idx()];
        if let Some(t) = n.image_ready_at(image) {
            return t.max(now);
        }
        let start = if serialize {
            n.puller_free_at.max(now)
        } else {
            now
        };
        let done = start + pull_time;
        if serialize {
            n.puller_free_at = done;
        }
        n.images.push((image, done));
        self.image_node_counts[image as usize] += 1;
        done
    }

    /// Live nodes of all pools (provisioning or ready) in id order.
    pub fn live_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.state != NodeState::Deleted)
    }

    /// Checks the sums against a recount; a mismatch is a bug. Used by tests and debug runs.
    pub fn check_invariants(&self) {
        for n in self.live_nodes() {
            let (mut cpu, mut mem, mut count, mut starting, mut terminating) = (0, 0, 0, 0, 0);
            let (mut cpu_nz, mut mem_nz) = (0, 0);
            let mut owners: Vec<(DeploymentId, u32)> = Vec::new();
            for &pid in &n.pods {
                let p = self.pod(pid);
                assert_eq!(p.node, Some(n.id), "pod on node list but not bound there");
                let (c, m) = self.requests(p.class);
                cpu += c;
                mem += m;
                cpu_nz += crate::api::non_zero_cpu(c);
                mem_nz += crate::api::non_zero_memory(m);
                count += 1;
                let Owner::Deployment(d) = p.owner;
                if p.phase == PodPhase::Terminating {
                    terminating += 1;
                } else {
                    match owners.iter_mut().find(|(x, _)| *x == d) {
                        Some((_, k)) => *k += 1,
                        None => owners.push((d, 1)),
                    }
                }
                if matches!(p.phase, PodPhase::Starting | PodPhase::ImagePullBackOff) {
                    starting += 1;
                }
            }
            if matches!(n.state, NodeState::Ready | NodeState::Deleting) {
                let pool = &self.pools[n.pool.idx()];
                let d = pool.daemon[pool.zone_index(n.zone)];
                let (c, m, k, cz, mz) = (
                    d.cpu_millis,
                    d.memory_bytes,
                    d.pods,
                    d.cpu_nonzero,
                    d.memory_nonzero,
                );
                cpu += c;
                mem += m;
                count += k;
                cpu_nz += cz;
                mem_nz += mz;
            }
            assert_eq!(
                (n.cpu_nonzero_requested, n.memory_nonzero_requested),
                (cpu_nz, mem_nz),
                "non-zero sums of node {}",
                n.name
            );
            let mut have = n.owner_counts.clone();
            have.sort();
            owners.sort();
            assert_eq!(have, owners, "owner counts of node {}", n.name);
            assert_eq!(
                (
                    n.cpu_requested,
                    n.memory_requested,
                    n.pod_count,
                    n.pods_starting,
                    n.pods_terminating
                ),
                (cpu, mem, count, starting, terminating),
                "sums of node {}",
                n.name
            );
            assert!(
                n.cpu_requested <= n.allocatable.cpu_millis || n.pods.is_empty(),
                "node {} over-allocated on cpu",
                n.name
            );
            assert!(
                n.memory_requested <= n.allocatable.memory_bytes || n.pods.is_empty(),
                "node {} over-allocated on memory",
                n.name
            );
            assert!(
                n.pod_count <= n.allocatable.pods || n.pods.is_empty(),
                "node {} over its pod limit",
                n.name
            );
        }
        for (i, d) in self.deployments.iter().enumerate() {
            let mut zc = [0u32; ZONES];
            let ready = d
                .pods
                .iter()
                .filter(|p| self.pod(**p).phase == PodPhase::Ready)
                .count() as u32;
            assert_eq!(ready, d.ready, "ready count of {}", d.name);
            for (slot, &pid) in d.pods.iter().enumerate() {
                let p = self.pod(pid);
                assert_eq!(
                    p.dep_slot as usize, slot,
                    "pod slot in deployment {}",
                    d.name
                );
                assert_eq!(p.owner, Owner::Deployment(DeploymentId(i as u32)));
                if let Some(n) = p.node {
                    zc[self.node(n).zone.0 as usize] += 1;
                }
            }
            assert_eq!(zc, d.zone_counts, "zone counts of deployment {}", d.name);
        }
        for p in &self.pools {
            let mut ready = [0u32; ZONES];
            for n in p
                .nodes
                .iter()
                .map(|id| self.node(*id))
                .filter(|n| matches!(n.state, NodeState::Ready | NodeState::Deleting))
            {
                ready[n.zone.0 as usize] += 1;
            }
            assert_eq!(
                ready, p.ready_in_zone,
                "ready nodes per zone of pool {}",
                p.spec.name
            );
        }
        let ips: u64 = self.live_nodes().map(|n| n.ips).sum();
        assert_eq!(ips, self.ips_used);
    }
}

/// Does a DaemonSet select and tolerate nodes with these labels and taints?
pub fn daemonset_fits(
    d: &crate::api::DaemonSetSpec,
    os: Os,
    labels: &Labels,
    taints: &[Taint],
) -> bool {
    d.os == os
        && selector_matches(&d.node_selector, labels)
        && taints
            .iter()
            .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
            .all(|t| tolerated(&d.tolerations, t))
}

/// What the DaemonSet pods of one node take: requests, pod slots, and the requests with
/// kube-scheduler's non-zero defaults (for scoring).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DaemonLoad {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub pods: u32,
    pub cpu_nonzero: u64,
    pub memory_nonzero: u64,
}

impl DaemonLoad {
    /// The load of every DaemonSet that runs on a node of `pool` with `labels`.
    pub fn on(daemonsets: &[crate::api::DaemonSetSpec], pool: &PoolSpec, labels: &Labels) -> Self {
        daemonsets
            .iter()
            .filter(|d| daemonset_fits(d, pool.os, labels, &pool.taints))
            .fold(DaemonLoad::default(), |acc, d| DaemonLoad {
                cpu_millis: acc.cpu_millis + d.cpu_request_millis,
                memory_bytes: acc.memory_bytes + d.memory_request_bytes,
                pods: acc.pods + 1,
                cpu_nonzero: acc.cpu_nonzero + crate::api::non_zero_cpu(d.cpu_request_millis),
                memory_nonzero: acc.memory_nonzero
                    + crate::api::non_zero_memory(d.memory_request_bytes),
            })
    }
}

/// Six base-36 digits, as VMSS instance names use (`vmss000000`, `vmss00000a`).
pub fn base36(mut n: u32) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = digits[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}
