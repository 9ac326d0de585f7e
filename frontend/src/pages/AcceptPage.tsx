// The invitation link: /accept?token=… joins the signed-in user to the organisation (the
// invitation must be addressed to their email), then opens the dashboard on its first project.
import { useEffect, useRef } from 'react'
import { Link, useSearchParams } from 'react-router'
import { Layout } from '../components/Layout'
import { errorText } from '../components/LoadingPanel'
import { useAcceptInvitation, useMeQuery } from '../data/team/team-queries'

export function AcceptPage() {
  const [params] = useSearchParams()
  const accept = useAcceptInvitation()
  const me = useMeQuery(accept.isSuccess)
  const sent = useRef(false)
  useEffect(() => {
    const token = params.get('token')
    if (token && !sent.current) {
      sent.current = true
      accept.mutate(token)
    }
  }, [params, accept])
  const joined = me.data?.organisations.find((o) => o.id === accept.data?.organisation_id)
  const project = joined?.projects[0]
  return (
    <Layout title="Invitation">
      <section className="card" data-testid="accept-panel">
        {accept.isPending && <p>Joining…</p>}
        {accept.error && <p className="form-error" role="alert" data-testid="accept-error">{errorText(accept.error)}</p>}
        {joined && (
          <p data-testid="accept-joined">
            You joined {joined.name} as {joined.role}.{' '}
            {project && <Link to={`/?project=${project.id}`} data-testid="accept-open">Open {project.name}</Link>}
          </p>
        )}
      </section>
    </Layout>
  )
}
