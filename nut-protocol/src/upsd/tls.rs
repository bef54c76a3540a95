//! STARTTLS for upsd with rustls: `CERTFILE` (a PEM file with the certificate chain and the
//! private key), `CERTPATH` (CA certificates, a PEM file or a folder of them, to check client
//! certificates) and `CERTREQUEST` (0: none, 1: ask, 2: require). TLS 1.2 and 1.3 only.

use std::path::Path;
use std::string::{String, ToString};
use std::sync::Arc;
use std::vec;
use std::vec::Vec;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

use crate::config::upsd_conf::CertRequest;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

fn file_error(path: &Path, message: impl ToString) -> TlsError {
    TlsError::File {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// CA certificates from a PEM file or every `*.pem`/`*.crt` file of a folder.
fn load_roots(certpath: &Path) -> Result<RootCertStore, TlsError> {
    let files: Vec<std::path::PathBuf> = if certpath.is_dir() {
        std::fs::read_dir(certpath)
            .map_err(|e| file_error(certpath, e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "pem" || e == "crt"))
            .collect()
    } else {
        vec![certpath.to_path_buf()]
    };
    let mut roots = RootCertStore::empty();
    for file in files {
        for cert in CertificateDer::pem_file_iter(&file).map_err(|e| file_error(&file, e))? {
            let cert = cert.map_err(|e| file_error(&file, e))?;
            roots.add(cert).map_err(|e| file_error(&file, e))?;
        }
    }
    if roots.is_empty() {
        return Err(file_error(certpath, "no CA certificate found"));
    }
    Ok(roots)
}

/// The acceptor for `STARTTLS`, from upsd.conf's TLS settings.
pub fn acceptor(
    certfile: &Path,
    certpath: Option<&Path>,
    request: CertRequest,
) -> Result<TlsAcceptor, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certfile)
        .map_err(|e| file_error(certfile, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(certfile, e))?;
    if chain.is_empty() {
        return Err(file_error(certfile, "no certificate in CERTFILE"));
    }
    let key = PrivateKeyDer::from_pem_file(certfile).map_err(|e| file_error(certfile, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let config = match (request, certpath) {
        (CertRequest::No, _) => builder.with_no_client_auth().with_single_cert(chain, key)?,
        (_, None) => {
            return Err(file_error(
                certfile,
                "CERTREQUEST needs CERTPATH with the CA of the client certificates",
            ));
        }
        (request, Some(certpath)) => {
            let roots = Arc::new(load_roots(certpath)?);
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider);
            let verifier = if request == CertRequest::Request {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier.build().map_err(|e| file_error(certpath, e))?;
            builder
                .with_client_cert_verifier(verifier)
                .with_single_cert(chain, key)?
        }
    };
    Ok(TlsAcceptor::from(Arc::new(config)))
}
