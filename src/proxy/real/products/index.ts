/**
 * The registry of real products. Adding a product is one file in this folder
 * and one line here (plus, for a runnable one, its templates and expectations
 * under proxies/<id>/). Everything else — fixes, the product guess, lab
 * install, the lab image, the compose file, `pushthrough setups` and the
 * README's product table — reads this list.
 *
 * The order matters twice: a free-form string is read as the first product
 * whose aliases match (so "AWS CloudFront" is CloudFront, not an ALB), and
 * the product guess breaks ties in this order (CDNs and load balancers before
 * the servers they often front).
 */
import type { Product, RunnableProduct } from '../product';
import { akamai } from './akamai';
import { apache2 } from './apache2';
import { awsAlb } from './aws-alb';
import { azureAppGateway } from './azure-app-gateway';
import { azureFrontDoor } from './azure-front-door';
import { caddy } from './caddy';
import { cloudflare } from './cloudflare';
import { cloudfront } from './cloudfront';
import { envoy } from './envoy';
import { fastly } from './fastly';
import { gcpLb } from './gcp-lb';
import { h2o } from './h2o';
import { haproxy } from './haproxy';
import { heroku } from './heroku';
import { lighttpd } from './lighttpd';
import { nginx } from './nginx';
import { pushthroughSimulated } from './pushthrough-simulated';
import { squid } from './squid';
import { tinyproxy } from './tinyproxy';
import { traefik } from './traefik';
import { trafficserver } from './trafficserver';
import { varnish } from './varnish';

export const PRODUCTS: readonly Product[] = [
  pushthroughSimulated,
  cloudflare,
  cloudfront,
  envoy,
  traefik,
  awsAlb,
  gcpLb,
  heroku,
  fastly,
  akamai,
  azureAppGateway,
  azureFrontDoor,
  varnish,
  squid,
  trafficserver,
  tinyproxy,
  nginx,
  haproxy,
  apache2,
  caddy,
  lighttpd,
  h2o,
];

const BY_ID = new Map(PRODUCTS.map((p) => [p.id, p]));

/** The products pushthrough can run from their own binaries, in registry order. */
export const RUNNABLE_PRODUCTS: readonly RunnableProduct[] = PRODUCTS.filter((p): p is RunnableProduct => p.launch !== undefined);

export function productById(id: string): Product | undefined {
  return BY_ID.get(id);
}

export function runnableProduct(id: string): RunnableProduct | undefined {
  const p = BY_ID.get(id);
  return p?.launch ? (p as RunnableProduct) : undefined;
}

/**
 * The product a free-form string names ("nginx/1.22.1", "Apache/2.4.62
 * (Debian)", "AWS ALB (HTTP listener)"), or undefined.
 */
export function productOf(text: string | undefined): Product | undefined {
  if (!text) return undefined;
  const t = text.toLowerCase().trim();
  if (t === '') return undefined;
  return BY_ID.get(t) ?? PRODUCTS.find((p) => p.aliases.test(t));
}
