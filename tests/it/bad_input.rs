//! Every class of bad input: exit code 2, the file and line named, nothing written.

use assert_cmd::Command;

use crate::support::{BASE, errors, line_of};

/// Runs `aksim run` on `toml` in a fresh folder; returns stderr after checking exit code 2
/// and that no results folder was created.
fn refused(toml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, toml).unwrap();
    let out = Command::cargo_bin("aksim")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        !dir.path().join("results").exists(),
        "nothing may be written"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn syntax_error_names_line_and_column() {
    let toml = format!("{BASE}\n[[deployment]\nname = \"x\"\n");
    let err = refused(&toml);
    let line = line_of(&toml, "[[deployment]");
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
}

#[test]
fn type_error_names_the_line() {
    let toml = BASE.replace("count = 2", "count = \"two\"");
    let err = refused(&toml);
    assert!(
        err.contains(&format!("bad.toml:{}:", line_of(&toml, "count = \"two\""))),
        "{err}"
    );
    assert!(err.contains("invalid type"), "{err}");
}

#[test]
fn unknown_key_is_a_typo_with_a_hint() {
    let toml = BASE.replace("zones = [\"1\"]", "zones = [\"1\"]\nmax_cont = 5");
    let err = refused(&toml);
    assert!(
        err.contains(&format!("bad.toml:{}:", line_of(&toml, "max_cont"))),
        "{err}"
    );
    assert!(err.contains("did you mean `max_count`?"), "{err}");
}

#[test]
fn semantic_errors_point_at_their_field() {
    let cases: Vec<(String, &str, &str)> = vec![
        (
            BASE.replace("mode = \"system\"", "mode = \"user\""),
            "no Linux system pool",
            "mode = \"user\"",
        ),
        (
            format!(
                "{BASE}\n[[node_pool]]\nname = \"windows1\"\nos_type = \"windows\"\nvm_size = \"Standard_D4s_v5\"\n"
            ),
            "at most 6 characters",
            "name = \"windows1\"",
        ),
        (
            format!("{BASE}\n[[node_pool]]\nname = \"User_Pool\"\nvm_size = \"Standard_D4s_v5\"\n"),
            "not a valid pool name",
            "name = \"User_Pool\"",
        ),
        (
            BASE.replace("count = 2", "count = 2\nmax_pods = 300"),
            "outside 10–250",
            "max_pods = 300",
        ),
        (
            BASE.replace(
                "count = 2",
                "count = 2\nenable_auto_scaling = true\nmin_count = 5\nmax_count = 3",
            ),
            "greater than max_count",
            "min_count = 5",
        ),
        (
            BASE.replace(
                "count = 2",
                "count = 9\nenable_auto_scaling = true\nmin_count = 1\nmax_count = 3",
            ),
            "outside min_count..max_count",
            "count = 9",
        ),
        (
            BASE.replace("zones = [\"1\"]", "zones = [\"1\", \"4\"]"),
            "zone \"4\" does not exist",
            "zones = ",
        ),
        (
            format!(
                "{}\n[[node_pool]]\nname = \"win\"\nos_type = \"windows\"\nvm_size = \"Standard_D4s_v5\"\n",
                BASE.replace("[cluster]", "[network]\nplugin = \"kubenet\"\n\n[cluster]")
            ),
            "need Azure CNI",
            "os_type = \"windows\"",
        ),
        (
            BASE.replace("Standard_D4s_v5", "Standard_D4s_v3"),
            "unknown VM size",
            "vm_size",
        ),
        (
            format!("{BASE}\n[[deployment]]\nname = \"x\"\nrequests = {{ cpu = \"2 cores\" }}\n"),
            "invalid quantity",
            "cpu = \"2 cores\"",
        ),
        (
            BASE.replace("duration = \"1h\"", "duration = \"1 hour\""),
            "invalid duration",
            "duration = ",
        ),
        (
            format!(
                "{BASE}\n[[event]]\nat = \"5m\"\naction = \"scale\"\ndeployment = \"nope\"\nreplicas = 2\n"
            ),
            "no deployment is named",
            "deployment = \"nope\"",
        ),
        (
            BASE.replace("count = 2", "count = 2000"),
            "at most 1000 nodes per pool",
            "count = 2000",
        ),
        (
            format!("{BASE}\n[[deployment]]\nname = \"x\"\nreplicas = 4000000000\n"),
            "pods can be simulated",
            "replicas = 4000000000",
        ),
        (
            BASE.replace(
                "[cluster]",
                "[network]\nsubnet_cidr = \"10.0.0.0/28\"\n\n[cluster]",
            ),
            "usable addresses but the initial nodes need",
            "subnet_cidr",
        ),
        (
            BASE.replace(
                "duration = \"1h\"",
                "duration = \"300d\"\nsample_interval = \"10s\"",
            ),
            "samples is too many",
            "sample_interval",
        ),
    ];
    for (toml, message, needle) in cases {
        let err = refused(&toml);
        assert!(err.contains(message), "expected {message:?} in:\n{err}");
        let line = line_of(&toml, needle);
        assert!(
            err.contains(&format!("bad.toml:{line}:")),
            "expected line {line} ({needle}) in:\n{err}"
        );
    }
}

#[test]
fn all_errors_are_reported_at_once() {
    let toml = BASE
        .replace("count = 2", "count = 2\nmax_pods = 5")
        .replace("Standard_D4s_v5", "Standard_X");
    let e = errors(&toml);
    assert!(
        e.contains("unknown VM size") && e.contains("2 errors"),
        "{e}"
    );
}

#[test]
fn a_bad_set_names_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ok.toml");
    std::fs::write(&file, BASE).unwrap();
    let out = Command::cargo_bin("aksim")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "ok.toml", "--set", "node_pool.system.max_pods=999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--set node_pool.system.max_pods=999") && err.contains("outside 10–250"),
        "{err}"
    );
    let out = Command::cargo_bin("aksim")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "ok.toml", "--set", "node_pool.nope.count=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no element \"nope\""));
}

#[test]
fn missing_file_and_bad_arguments_exit_2() {
    let out = Command::cargo_bin("aksim")
        .unwrap()
        .args(["run", "/nonexistent/x.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the scenario"));
    let out = Command::cargo_bin("aksim")
        .unwrap()
        .args(["run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_deployment_no_pool_can_host_is_a_warning_naming_why() {
    let toml = format!("{BASE}\n[[deployment]]\nname = \"huge\"\nrequests = {{ cpu = \"8\" }}\n");
    let loaded = aksim::load_str("t.toml", &toml, &[]).unwrap();
    let w = loaded.warnings.join("\n");
    assert!(
        w.contains("no node pool can ever run its pods")
            && w.contains("system: requests 8000m cpu"),
        "{w}"
    );
}

#[test]
fn memory_in_milli_units_is_flagged() {
    let toml =
        format!("{BASE}\n[[deployment]]\nname = \"m\"\nrequests = {{ memory = \"500m\" }}\n");
    let loaded = aksim::load_str("t.toml", &toml, &[]).unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("did you mean \"500Mi\"?")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn a_run_over_its_memory_limit_is_refused_with_the_estimate() {
    // 200,000 replicas: 64 MiB + 2 nodes × 4 KiB + 200,000 × 512 B + 8 KiB ≈ 162 MiB, over a
    // limit of 100 MiB; the message gives the estimate and the setting.
    let toml = BASE.replace("seed = 7", "seed = 7\nmemory_limit = \"100Mi\"")
        + "\n[[deployment]]\nname = \"many\"\nreplicas = 200000\n";
    let err = refused(&toml);
    let line = line_of(&toml, "memory_limit");
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
    assert!(
        err.contains("about 162 MiB (2 nodes, 200,000 pods, 0 trace rows, 1 deployments"),
        "{err}"
    );
    assert!(err.contains("raise simulation.memory_limit"), "{err}");
    // The default limit (4 GiB) lets the same run through validation.
    let ok = toml.replace("memory_limit = \"100Mi\"\n", "");
    aksim::load_str("ok.toml", &ok, &[]).unwrap();
}

#[test]
fn control_characters_in_names_reached_the_terminal_and_the_outputs() {
    // An ESC in a metric name cleared the screen under --explain; a newline in a label
    // forged lines of warnings. Names that become identifiers refuse them, at their line.
    const WEB: &str =
        "\n[[deployment]]\nname = \"web\"\nrequests = { cpu = \"100m\", memory = \"100Mi\" }\n";
    const LOAD: &str = "\n[deployment.load]\ncpu_per_request = \"4m\"\nprofiles = [{ kind = \"constant\", rps = 10 }]\n";
    let hpa = |kind: &str, key: &str, name: &str| {
        format!(
            "{BASE}{WEB}{LOAD}\n[deployment.hpa]\nmin_replicas = 1\nmax_replicas = 3\nmetrics = [{{ type = \"{kind}\", {key} = {{ metric = {{ name = \"{name}\" }}, target = {{ type = \"AverageValue\", average_value = \"10\" }} }} }}]\n"
        )
    };
    let pool = |extra: &str| BASE.replace("count = 2", &format!("count = 2\n{extra}"));
    let cases: Vec<(String, &str, &str)> = vec![
        (
            hpa("External", "external", "queue\\u001b[2J"),
            "deployment \"web\".hpa.metrics[0].external.metric.name: \"queue\\u{1b}[2J\" holds a control character",
            "queue\\u001b",
        ),
        (
            hpa("Pods", "pods", "rps\\nfake"),
            "pods.metric.name: \"rps\\nfake\" holds a control character",
            "rps\\nfake",
        ),
        (
            hpa("Object", "object", "hits\\u009b"),
            "object.metric.name: \"hits\\u{9b}\" holds a control character",
            "hits\\u009b",
        ),
        (
            pool("node_taints = [\"gpu=yes\\u001b:NoSchedule\"]"),
            "node_pool \"system\".node_taints: \"gpu=yes\\u{1b}:NoSchedule\"",
            "gpu=yes",
        ),
        (
            pool("node_labels = { \"te\\u0007am\" = \"a\" }"),
            "node_pool \"system\".node_labels.\"te\\u{7}am\": \"te\\u{7}am\" holds",
            "node_labels",
        ),
        (
            pool("node_labels = { team = \"a\\rb\" }"),
            "node_labels.\"team\": \"a\\rb\" holds",
            "node_labels",
        ),
        (
            format!("{BASE}{WEB}node_selector = {{ team = \"a\\u007f\" }}\n"),
            "deployment \"web\".node_selector.\"team\": \"a\\u{7f}\" holds",
            "a\\u007f",
        ),
        (
            format!(
                "{BASE}{WEB}tolerations = [{{ key = \"gpu\\u0000\", operator = \"Exists\" }}]\n"
            ),
            "deployment \"web\".tolerations[0].key: \"gpu\\0\" holds",
            "gpu\\u0000",
        ),
        (
            format!("{BASE}{WEB}image = {{ name = \"app\\n:1\", size = \"1Gi\" }}\n"),
            "deployment \"web\".image.name: \"app\\n:1\" holds",
            "app\\n:1",
        ),
        (
            format!("{BASE}\n[[daemonset]]\nname = \"agent\\u001b\"\nos = \"linux\"\n"),
            "daemonset \"agent\\u{1b}\".name: \"agent\\u{1b}\" holds",
            "agent\\u001b",
        ),
        (
            format!("{BASE}\n[[sku]]\nname = \"Standard_D4s_v5\"\nfamily = \"fam\\u001b\"\n"),
            "sku \"Standard_D4s_v5\".family: \"fam\\u{1b}\" holds",
            "family",
        ),
        (
            format!(
                "{BASE}\n[[sku]]\nname = \"My\\u001bVM\"\nvcpu = 2\nmemory = \"8Gi\"\nprice_linux = 0.1\n"
            ),
            "sku \"My\\u{1b}VM\".name: \"My\\u{1b}VM\" holds",
            "My\\u001bVM",
        ),
        (
            format!("{BASE}\n[quota]\n\"fam\\u001b\" = 10\n"),
            "quota.\"fam\\u{1b}\": \"fam\\u{1b}\" holds",
            "\"fam\\u001b\" = 10",
        ),
        (
            format!(
                "{BASE}\n[autoscaler]\nexpander = \"priority\"\n\n[autoscaler.priorities]\n10 = [\"sys\\u001b\"]\n"
            ),
            "autoscaler.priorities.\"10\": \"sys\\u{1b}\" holds",
            "sys\\u001b",
        ),
    ];
    for (toml, expected, needle) in cases {
        let err = refused(&toml);
        assert!(
            !err.contains(|c: char| c.is_control() && c != '\n'),
            "raw control characters in:\n{err}"
        );
        let line = line_of(&toml, needle);
        assert!(
            err.contains(&format!("bad.toml:{line}:")),
            "line {line} of {needle:?} not named in:\n{err}"
        );
        assert!(err.contains(expected), "{expected:?} missing in:\n{err}");
        assert!(err.contains("holds a control character"), "{err}");
    }
}

#[test]
fn a_run_past_the_year_9999_wrote_times_a_spreadsheet_reads_as_formulas() {
    // From 9999-12-31T23:30:00Z an hour ends in year 10000, written "+10000-01-01T00:00:00Z":
    // refused at the start, which names it. Half an hour still fits.
    let toml = BASE.replace("seed = 7", "seed = 7\nstart = \"9999-12-31T23:30:00Z\"");
    let err = refused(&toml);
    assert!(
        err.contains(&format!("bad.toml:{}:", line_of(&toml, "start = "))),
        "{err}"
    );
    assert!(err.contains("would end after the year 9999"), "{err}");
    let fits = toml.replace("duration = \"1h\"", "duration = \"29m\"");
    aksim::load_str("ok.toml", &fits, &[]).unwrap();
}
