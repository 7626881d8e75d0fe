/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_KUBECONFIG_H
#define NFP_WATCH_KUBECONFIG_H

/*
 * Where the API server is and how to prove who we are: from a kubeconfig
 * file (--kubeconfig, YAML or JSON), from --master alone, or from the pod's
 * service account (in-cluster). The result is plain data that watch/http.c
 * turns into curl options.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "util/diag.h"

/* Where in-cluster credentials live; KUBE_NFPROXY_SA_DIR_ENV overrides. */
#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBE_NFPROXY_SA_DIR_ENV "KUBE_NFPROXY_SERVICEACCOUNT_DIR"

/* Longest token, certificate or key we read from a file. */
#define KUBE_MAX_CRED_FILE (1 << 20)

/* PEM material: a file curl reads, or bytes we hold (the -data forms). */
struct kube_pem {
	char *path; /* absolute or as given; NULL if none */
	char *data; /* decoded base64; NULL if none */
	size_t len;
};

struct kube_config {
	char *server; /* "https://host:port[/prefix]", no trailing '/' */
	char *tls_server_name; /* name the certificate must carry, or NULL */
	char *proxy_url; /* cluster proxy-url, or NULL (curl's env rules) */
	bool insecure;	 /* insecure-skip-tls-verify */
	struct kube_pem ca;
	struct kube_pem cert;
	struct kube_pem key;
	char *token;	  /* the bearer token now: static or last read */
	char *token_file; /* re-read when it changes; NULL if none */
	char *username;	  /* basic auth (old clusters); NULL if none */
	char *password;
	/* "kubeconfig FILE, context NAME", "--master URL", "in-cluster" */
	char *source;
	/* What token_file looked like when last read. */
	struct {
		dev_t dev;
		ino_t ino;
		off_t size;
		struct timespec mtime;
	} token_stat;
};

/*
 * Build the configuration the way kube-proxy (client-go's
 * BuildConfigFromFlags) does:
 *  - kubeconfig set: read it (YAML or JSON), use context (or the file's
 *    current-context); master, when set, replaces the cluster's server.
 *    Relative paths are resolved against the kubeconfig's folder.
 *  - master alone: that server, no credentials ("host:port" gets http://).
 *  - neither: in-cluster, as kube_config_load_in_cluster(NULL, ...).
 * Token files are read now (an unreadable file is an error) and again by
 * kube_config_token() when they change. Certificate, key and CA files are
 * checked to be readable now and read by curl on each connection.
 *
 * Returns 0, or -EINVAL / -ENOENT / -errno with DIAG_ERRORs naming the file
 * and the key (e.g. "kubeconfig /k.yaml: users[admin].client-key: ...").
 * DIAG_WARNs note what was ignored. On error *out is left empty; on success
 * it is owned by the caller (kube_config_free()).
 */
int kube_config_load(const char *kubeconfig, const char *context,
		     const char *master, struct kube_config *out,
		     struct diag_list *d);

/*
 * The service account's credentials: https://$KUBERNETES_SERVICE_HOST:
 * $KUBERNETES_SERVICE_PORT, dir/token (re-read when it rotates) and
 * dir/ca.crt (left out with a DIAG_WARN when unreadable, as client-go
 * does). dir NULL means $KUBE_NFPROXY_SERVICEACCOUNT_DIR or KUBE_SA_DIR.
 * Returns 0 or -errno like kube_config_load().
 */
int kube_config_load_in_cluster(const char *dir, struct kube_config *out,
				struct diag_list *d);

/*
 * The bearer token to send with the next request (borrowed; NULL when
 * there is none). With a token file, the file is stat()ed on each call and
 * re-read when its inode, size or mtime changed: bound service account
 * tokens rotate. If re-reading fails the last good token is kept and a
 * DIAG_WARN is added.
 */
const char *kube_config_token(struct kube_config *c, struct diag_list *d);

/* Releases what c owns and zeroes it; a zeroed c is a no-op. */
void kube_config_free(struct kube_config *c);

#endif
