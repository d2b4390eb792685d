//! The decoder on bodies kubectl 1.32 sent (`kubectl create ... -v=9` prints them), each beside what the
//! same kubectl prints for the same command with `--dry-run=client -o json`: its own JSON of the object.

use serde_json::Value;

use super::*;

/// (fixture, the command that produced it) under tests/data/protobuf/.
const FIXTURES: &[(&str, &str)] = &[
    (
        "configmap",
        "create configmap settings --from-literal=mode=fast --from-file=payload=<5 binary bytes>",
    ),
    (
        "secret",
        "create secret generic creds --from-literal=user=app --from-literal=empty=",
    ),
    (
        "cronjob",
        "create cronjob nightly --image=busybox --schedule='*/5 * * * *' --restart=OnFailure",
    ),
    (
        "job-from-cronjob",
        "create job nightly-now --from=cronjob/nightly (the cronjob as the emulator served it)",
    ),
    (
        "service-nodeport",
        "create service nodeport web-np --tcp=80:8080 --node-port=30080",
    ),
    (
        "rolebinding",
        "create rolebinding reader --role=reader --user=alice --group=devs --serviceaccount=default:builder",
    ),
    (
        "quota",
        "create quota small --hard=pods=10,cpu=1500m,memory=1Gi --scopes=NotBestEffort",
    ),
    (
        "priorityclass",
        "create priorityclass high --value=1000 --description=important --preemption-policy=Never",
    ),
    (
        "deployment-scaled-to-zero",
        "create deployment idle2 --image=nginx:1.25 --replicas=0 --port=80",
    ),
];

fn fixture(name: &str) -> (Vec<u8>, Value) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/protobuf");
    let bytes = std::fs::read(dir.join(format!("{name}.pb"))).expect("fixture bytes");
    let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("fixture JSON");
    (bytes, serde_json::from_str(&json).expect("kubectl printed JSON"))
}

/// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw}, to re-wrap a changed object.
fn wrap(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    fn len_field(out: &mut Vec<u8>, number: u8, bytes: &[u8]) {
        out.push(number << 3 | 2);
        let mut n = bytes.len();
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(bytes);
    }
    let mut type_meta = vec![];
    len_field(&mut type_meta, 1, api_version.as_bytes());
    len_field(&mut type_meta, 2, kind.as_bytes());
    let mut out = MAGIC.to_vec();
    len_field(&mut out, 1, &type_meta);
    len_field(&mut out, 2, raw);
    out
}

#[test]
fn kubectl_bodies_decode_to_kubectls_own_json() {
    for (name, command) in FIXTURES {
        let (bytes, expected) = fixture(name);
        let decoded = decode_object(&bytes).unwrap_or_else(|e| panic!("{name} ({command}): {e}"));
        assert_eq!(
            decoded,
            expected,
            "{name} ({command})\ndecoded: {}",
            serde_json::to_string_pretty(&decoded).unwrap()
        );
    }
}

#[test]
fn go_json_rules_for_zero_values() {
    // A pointer set to zero is written; an omitempty zero is not; a struct always is.
    let (bytes, _) = fixture("deployment-scaled-to-zero");
    let d = decode_object(&bytes).unwrap();
    assert_eq!(d["spec"]["replicas"], 0);
    assert!(d["spec"].get("minReadySeconds").is_none());
    assert_eq!(d["spec"]["strategy"], serde_json::json!({}));
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["resources"],
        serde_json::json!({})
    );
    // The zero metav1.Time is null, as encoding/json writes it.
    assert_eq!(d["metadata"]["creationTimestamp"], Value::Null);
    // Binary ConfigMap data is base64, and an empty Secret value stays an empty string.
    let (cm, _) = fixture("configmap");
    assert_eq!(decode_object(&cm).unwrap()["binaryData"]["payload"], "AJ+Slv8=");
    let (secret, _) = fixture("secret");
    assert_eq!(decode_object(&secret).unwrap()["data"]["empty"], "");
}

#[test]
fn a_field_the_tables_do_not_model_is_named_by_message_and_number() {
    let (bytes, _) = fixture("configmap");
    let env = envelope(&bytes).unwrap();
    let mut raw = env.raw.to_vec();
    raw.extend([9 << 3 | 2, 1, b'x']);
    let err = decode_object(&wrap(&env.api_version, &env.kind, &raw)).unwrap_err();
    assert_eq!(
        err,
        ProtobufError::UnmodelledField {
            message: "k8s.io.api.core.v1.ConfigMap".into(),
            number: 9,
            path: String::new()
        }
    );
    assert!(!err.is_malformed());

    // Nested: ObjectMeta field 15 (the long-deprecated clusterName) is not modelled; the path says where.
    let mut meta = vec![];
    for item in wire::Fields::new(env.raw) {
        if let (1, wire::Value::Len(m)) = item.unwrap() {
            meta = m.to_vec();
        }
    }
    meta.extend([15 << 3 | 2, 0x01, b'x']);
    let mut raw = vec![1 << 3 | 2, meta.len() as u8];
    raw.extend(&meta);
    let err = decode_object(&wrap("v1", "ConfigMap", &raw)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "protobuf field 15 of k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta (at metadata) is not modelled by the emulator"
    );
}

#[test]
fn a_kind_without_tables_is_named() {
    let (bytes, _) = fixture("configmap");
    let env = envelope(&bytes).unwrap();
    let err = decode_object(&wrap("apps/v1", "StatefulSet", env.raw)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "protobuf bodies of kind StatefulSet (apps/v1) are not decoded by the emulator"
    );
}

#[test]
fn broken_bytes_are_malformed() {
    let (bytes, _) = fixture("quota");
    assert_eq!(decode_object(b"{\"kind\":\"ConfigMap\"}"), Err(ProtobufError::NoMagic));
    let cut = &bytes[..bytes.len() - 3];
    let err = decode_object(cut).unwrap_err();
    assert!(err.is_malformed(), "{err}");
    assert!(err.to_string().contains("unexpected end of data"), "{err}");
    // A string field carried as a varint does not fit its type.
    let env = envelope(&bytes).unwrap();
    let err = decode_object(&wrap(&env.api_version, &env.kind, &[1 << 3, 5])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed protobuf in k8s.io.api.core.v1.ResourceQuota: field 1 (metadata) has wire type 0, which does not fit its type"
    );
}

#[test]
fn the_envelope_is_read_as_kubectl_writes_it() {
    let (bytes, _) = fixture("rolebinding");
    let env = envelope(&bytes).unwrap();
    assert_eq!(
        (env.api_version.as_str(), env.kind.as_str()),
        ("rbac.authorization.k8s.io/v1", "RoleBinding")
    );
    assert!(bytes.len() > env.raw.len() + MAGIC.len());
}

#[test]
fn encoding_reads_back_as_the_same_json() {
    for (name, command) in FIXTURES {
        let (bytes, expected) = fixture(name);
        let encoded = encode_object(&expected).unwrap_or_else(|e| panic!("{name} ({command}): {e}"));
        assert_eq!(decode_object(&encoded).unwrap(), expected, "{name} ({command})");
        // Same envelope as kubectl's: apiVersion, kind, then the object.
        let (ours, theirs) = (envelope(&encoded).unwrap(), envelope(&bytes).unwrap());
        assert_eq!((ours.api_version, ours.kind), (theirs.api_version, theirs.kind));
    }
}

#[test]
fn encoding_refuses_what_the_tables_lack() {
    let (_, mut object) = fixture("deployment-scaled-to-zero");
    object["spec"]["template"]["spec"]["affinity"] = serde_json::json!({"nodeAffinity": {}});
    assert_eq!(
        encode_object(&object).unwrap_err().to_string(),
        "spec.template.spec.affinity has no protobuf field in the emulator's table of k8s.io.api.core.v1.PodSpec"
    );
    let (_, mut secret) = fixture("secret");
    secret["data"]["user"] = serde_json::json!(42);
    assert_eq!(
        encode_object(&secret).unwrap_err().to_string(),
        "malformed protobuf in k8s.io.api.core.v1.Secret: data holds a number, which does not fit its protobuf type"
    );
    let list = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMapList", "items": []});
    assert!(matches!(
        encode_object(&list),
        Err(ProtobufError::UnmodelledKind { .. })
    ));
}
