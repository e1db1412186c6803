# SPDX-License-Identifier: GPL-2.0-or-later
# Test certificates for the TLS tests, made with the openssl command line.
# Source this file; tls_make_pki DIR creates in DIR:
#   ca.pem ca.key          the test CA the client is told to trust
#   server.pem server.key  leaf for proxy.test, localhost, 127.0.0.1 and ::1
#   wrongname.pem .key     leaf of the same CA for other.test only
#   expired.pem .key       leaf for proxy.test, valid only during January 2020
#   rogue-ca.pem, rogue.pem rogue.key
#                          a second CA and its leaf for proxy.test (unknown CA)
# and server.pin: base64 SHA-256 of server.pem's SubjectPublicKeyInfo (for pin-sha256).

tls__leaf()
{
	local dir=$1 ca=$2 name=$3 san=$4 start=$5 end=$6 db
	db=$dir/.ca-$name
	mkdir -p "$db"
	: >"$db/index.txt"
	echo 01 >"$db/serial"
	cat >"$db/ca.cnf" <<CNF
[ca]
default_ca = tca
[tca]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
default_md = sha256
policy = tpol
copy_extensions = none
unique_subject = no
[tpol]
commonName = supplied
[ext]
subjectAltName = $san
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
CNF
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$db/req.csr" -subj "/CN=$name" 2>/dev/null || return 1
	openssl ca -batch -config "$db/ca.cnf" -extensions ext -cert "$dir/$ca.pem" \
		-keyfile "$dir/$ca.key" -in "$db/req.csr" -out "$dir/$name.pem" \
		-startdate "$start" -enddate "$end" -notext 2>/dev/null || return 1
	rm -rf "$db"
}

tls__ca()
{
	local dir=$1 name=$2
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$dir/$name.key" -out "$dir/$name.pem" -subj "/CN=socks6ify test $name" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
}

tls_make_pki()
{
	local dir=$1 now later
	mkdir -p "$dir" || return 1
	now=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
	later=$(date -u -d '+20 days' +%Y%m%d%H%M%SZ)
	tls__ca "$dir" ca && tls__ca "$dir" rogue-ca || return 1
	tls__leaf "$dir" ca server "DNS:proxy.test,DNS:localhost,IP:127.0.0.1,IP:::1" "$now" "$later" &&
		tls__leaf "$dir" ca wrongname "DNS:other.test" "$now" "$later" &&
		tls__leaf "$dir" ca expired "DNS:proxy.test,IP:127.0.0.1" 20200101000000Z 20200201000000Z &&
		tls__leaf "$dir" rogue-ca rogue "DNS:proxy.test,IP:127.0.0.1" "$now" "$later" || return 1
	openssl x509 -in "$dir/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64 >"$dir/server.pin"
}
