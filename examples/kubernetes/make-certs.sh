#!/usr/bin/env sh
# Makes a throw-away CA, a serving certificate for kaudit and a client certificate for the API server,
# for trying kaudit out (use your own PKI, e.g. cert-manager, in production).
#
#   ./make-certs.sh OUT_DIR SAN [SAN...]
#   ./make-certs.sh ./certs DNS:host.minikube.internal
#   ./make-certs.sh ./certs IP:172.18.0.1 DNS:host.docker.internal
#
# Each SAN is how the API server reaches kaudit (the host of the URL in its webhook kubeconfig): Go's TLS
# client checks it, so the certificate must name exactly that IP address or DNS name.
# Writes ca.crt ca.key server.crt server.key client.crt client.key (client CN: kube-apiserver).
set -eu
[ "$#" -ge 2 ] || { echo "usage: $0 OUT_DIR SAN [SAN...]   (SAN: IP:1.2.3.4 or DNS:name)" >&2; exit 2; }
out=$1
shift
sans=$(printf '%s,' "$@")
sans=${sans%,}
mkdir -p "$out"
cd "$out"
umask 077

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 -subj '/CN=kaudit test CA' \
  -keyout ca.key -out ca.crt \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'

openssl req -newkey rsa:2048 -nodes -sha256 -subj '/CN=kaudit' -keyout server.key -out server.csr
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' \
  "$sans" >server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 365 \
  -extfile server.ext -out server.crt

openssl req -newkey rsa:2048 -nodes -sha256 -subj '/CN=kube-apiserver' -keyout client.key -out client.csr
printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 365 \
  -extfile client.ext -out client.crt

rm -f server.csr server.ext client.csr client.ext ca.srl
# The certificates are public; the keys stay readable by their owner only.
chmod 644 ca.crt server.crt client.crt
echo "wrote $(pwd): ca.crt server.crt server.key client.crt client.key (SAN $sans)"
