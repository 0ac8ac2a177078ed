//! Compiles the gRPC contract with protox (pure Rust), so a fresh machine needs no `protoc`.
use prost::Message;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/fairquote/v1/quote.proto",
        "proto/fairquote/v1/audit.proto",
        "proto/fairquote/v1/model.proto",
    ];
    let fds = protox::compile(protos, ["proto"])?;
    // Kept for server reflection: clients such as grpcurl discover the services from it.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("fairquote_descriptor.bin"),
        fds.encode_to_vec(),
    )?;
    tonic_prost_build::configure()
        .type_attribute(".", "#[allow(clippy::all)]")
        // Ordered, so that a logged response encodes and hashes the same bytes every time.
        .btree_map(".fairquote.v1.Reason.parameters")
        // An undecodable message is the caller's mistake, answered INVALID_ARGUMENT.
        .codec_path("crate::grpc::codec::ContractCodec")
        .compile_fds(fds)?;
    println!("cargo:rerun-if-changed=proto");
    // sqlx embeds the migrations at compile time: a new one must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    Ok(())
}
